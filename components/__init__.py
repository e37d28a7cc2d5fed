"""The Privilege Secure app registration component and the data it is built from."""

from components.app_registration import AppRegistration, AppRegistrationArgs

__all__ = ["AppRegistration", "AppRegistrationArgs"]
