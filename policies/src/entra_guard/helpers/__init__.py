"""What the policies share and no policy is: reading properties that may be unknown (``values``),
the config knobs (``knobs``), a stack's links (``stack_links``), the pack's clock, the credential
resource types and stewardship's scope. Policies live in ``entra_guard``; helpers live here."""
