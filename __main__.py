"""Netwrix Privilege Secure's Entra ID app registration: read config, build, export."""

import pulumi

from components.app_registration import AppRegistration
from components.config import read_stack_config
from components.stack_outputs import STACK_OUTPUT_NAMES

app = AppRegistration("privilege-secure", read_stack_config())

for attribute, output in STACK_OUTPUT_NAMES.items():
    pulumi.export(output, getattr(app, attribute))
