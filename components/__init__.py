"""The Privilege Secure app registration component (``components.app_registration``): the
mechanism, reading the tables of the vocabulary (``entra_vocabulary.manifests``,
``entra_vocabulary.microsoft_ids``, in the policy pack's folder).

Nothing is imported here on purpose: importing the package must not need the azuread provider
SDK (``components.stack_outputs`` is read by consumers that have only ``pulumi``).
"""
