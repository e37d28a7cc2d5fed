"""The Privilege Secure app registration component (``components.app_registration``) and the
tables it is built from (``entra_vocabulary.manifests``, ``entra_vocabulary.microsoft_ids``).

Nothing is imported here on purpose: the policy pack imports the tables in a virtualenv that has
no azuread provider SDK, and importing the component would need it.
"""
