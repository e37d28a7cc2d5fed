"""``python -m offline_preview adopt DIR``: audit a hand-made registration before adopting it.

Reads the export in DIR (``offline_preview.graph_export``), works out the ``adopt`` config that
imports every object matching the stack's manifest, runs the real program with it under the
engine-like mocks, and the policy pack over the result and over the hand-made app as it stands
(``offline_preview.as_it_stands``). It reports: what matches, what the first
``pulumi up`` changes in place or creates, what the hand-made app holds beyond the manifest (and
how to remove it), requests without consent and consent without request, every existing
credential (it stays valid until deleted), the pack's verdict, and the config to paste.

Exit codes: 0 with the report; 2 with one line on stderr for an incomplete or foreign export,
invalid config or usage; 3 with one line if the program, the pack or this tool fails (a report
is never half printed). Graph never returns a secret's value; its ``hint`` is never printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final, NoReturn, TypedDict

import yaml

from components.adoption import (
    APP_ROLE_ASSIGNMENT_IDS,
    APPLICATION_OBJECT_ID,
    DELEGATED_PERMISSION_GRANT_ID,
    DIRECTORY_ROLE_ASSIGNMENT_IDS,
    SERVICE_PRINCIPAL_OBJECT_ID,
)
from components.config import args_from_config
from components.settings import InvalidSettingError
from entra_vocabulary import resource_types as types
from entra_vocabulary.clock import ClockError, rotation_clock
from entra_vocabulary.labels import describe_permission_id, graph_permission_by_id
from entra_vocabulary.limits import MAX_SECRET_LIFETIME_DAYS
from entra_vocabulary.manifests import MANIFESTS, Manifest
from entra_vocabulary.microsoft_ids import (
    DIRECTORY_ROLE_TEMPLATE_IDS,
    MICROSOFT_GRAPH_APP_ID,
    MICROSOFT_GRAPH_DISPLAY_NAME,
    PermissionType,
    directory_role_name,
    pinned_permission_ids,
)
from mock_engine.engine import (
    DEPLOYER_OBJECT_ID,
    GRAPH_OBJECT_ID,
    PROJECT,
    REPOSITORY,
    DeclaredResource,
    ProgramRun,
    run_program,
)
from offline_preview.as_it_stands import resources as hand_made
from offline_preview.cli import (
    EXIT_CRASH,
    EXIT_INVALID,
    EXIT_OK,
    UsageError,
    read_policy_config,
    stack_config,
)
from offline_preview.graph_export import Credential, Export, ExportError, read_export
from offline_preview.render import FORMATS
from offline_preview.verdict import PolicyVerdict

REPORT_SCHEMA: Final = "privilege-secure-entra/adopt-audit/v1"
GRAPH_URL: Final = "https://graph.microsoft.com/v1.0"
ADOPT_KEY: Final = f"{PROJECT}:adopt"


class Extra(TypedDict):
    what: str
    remove: str


class ExistingCredential(TypedDict):
    owner: str
    kind: str
    keyId: str
    displayName: str
    endDateTime: str
    status: str
    delete: str


class Import(TypedDict):
    resource: str
    type: str
    importId: str


class Finding(TypedDict):
    policy: str
    level: str
    resource: str
    message: str


class PolicyResult(TypedDict):
    pack: str
    mandatoryViolations: int
    findings: list[Finding]


class Report(TypedDict):
    schema: str
    stack: str
    privilegeSecureVersion: str
    application: dict[str, str]
    matches: list[str]
    changesInPlace: list[str]
    creates: list[str]
    beyondManifest: list[Extra]
    requestedWithoutConsent: list[str]
    consentWithoutRequest: list[str]
    credentials: list[ExistingCredential]
    credentialOrder: list[str]
    imports: list[Import]
    policy: PolicyResult
    """The pack on the stack once adopted: what `pulumi preview --policy-pack` will say."""
    policyAsItStands: PolicyResult
    """The pack on the hand-made app as it stands, declared resource by resource."""
    adopt: dict[str, object]
    configYaml: str
    configCommand: str


class _OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line on stderr, exit 2, like every other refusal here."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_INVALID, f"error: {self.prog}: {message}\n")


def parser() -> argparse.ArgumentParser:
    p = _OneLineParser(
        prog="python -m offline_preview adopt",
        description="Audit an export of a hand-made registration against the stack and print "
        "the adopt config that brings it under `pulumi up`.",
    )
    p.add_argument("folder", metavar="DIR", help="the export (the five Graph response files)")
    p.add_argument("--stack", default="dev", help="reads Pulumi.STACK.yaml (default: dev)")
    p.add_argument(
        "--config", "-c", action="append", default=[], metavar="KEY=VALUE", help="override"
    )
    p.add_argument("--format", choices=FORMATS, default="text", help="output format")
    return p


def main(argv: Sequence[str]) -> int:
    args = parser().parse_args(argv)
    try:
        report = audit(Path(args.folder), args.stack, args.config)
    except (UsageError, ExportError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    except Exception as error:  # the program, the pack or this tool failed: no report
        headline = f"{type(error).__name__}: {error}".splitlines()[0]
        print(f"error: the adoption audit failed: {headline}", file=sys.stderr)
        return EXIT_CRASH
    sys.stdout.write(render(report, args.format))
    return EXIT_OK


def audit(folder: Path, stack: str, overrides: Sequence[str]) -> Report:
    """The audit of the export in ``folder`` against ``stack`` with ``--config`` overrides."""
    export = read_export(folder)
    stack_file = REPOSITORY / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        raise UsageError(f"--stack {stack}: no {stack_file.name} in {REPOSITORY}")
    config = stack_config(stack_file, overrides)
    values = {k: v for k, v in config.values.items() if k != ADOPT_KEY}
    try:
        now = rotation_clock()
        settings = args_from_config(
            {k.split(":", 1)[1]: v for k, v in values.items() if k.startswith(f"{PROJECT}:")},
            frozenset(k.split(":", 1)[1] for k in config.secret_keys),
        )
    except (InvalidSettingError, ClockError) as error:
        raise UsageError(str(error)) from None
    manifest = MANIFESTS[settings.get("privilege_secure_version", "4.1")]
    roles = manifest.roles_for(settings.get("manage_global_administrators", False))
    auditor = _Auditor(export, manifest, roles)
    adopt = auditor.adopt()
    run = run_program(
        {**values, ADOPT_KEY: json.dumps(adopt)},
        stack=stack,
        secret_keys=config.secret_keys,
    )
    if run.error is not None:
        raise UsageError(run.error)
    for password in sorted(run.of_type(types.APPLICATION_PASSWORD), key=lambda r: r.name):
        auditor.creates.append(
            f"client secret {password.name} (the provider cannot import client secrets)"
        )
    owners_configured = f"{PROJECT}:owners" in values
    policy, as_it_stands = _judge(stack, run.resources, hand_made(export, stack))
    return {
        "schema": REPORT_SCHEMA,
        "stack": stack,
        "privilegeSecureVersion": manifest.version,
        "application": {
            "displayName": str(export.application.get("displayName")),
            "appId": export.application["appId"],
            "applicationObjectId": export.application["id"],
            "servicePrincipalObjectId": export.service_principal["id"],
        },
        "matches": auditor.matches,
        "changesInPlace": list(auditor.changes(run, owners_configured)),
        "creates": auditor.creates,
        "beyondManifest": auditor.extras,
        "requestedWithoutConsent": auditor.requested_without_consent(),
        "consentWithoutRequest": auditor.consent_without_request(),
        "credentials": [_credential(c, export, now) for c in export.credentials],
        "credentialOrder": CREDENTIAL_ORDER,
        "imports": [
            {"resource": r.name, "type": r.type, "importId": auditor.in_tenant(r.import_id)}
            for r in sorted(run.resources, key=lambda r: r.name)
            if r.import_id
        ],
        "policy": policy,
        "policyAsItStands": as_it_stands,
        "adopt": adopt,
        "configYaml": yaml.safe_dump({"config": {ADOPT_KEY: adopt}}, sort_keys=False),
        "configCommand": f"pulumi config set --stack {stack} adopt '{json.dumps(adopt)}'",
    }


CREDENTIAL_ORDER: Final = [
    "`pulumi up` with `adopt`: it creates this stack's two client secrets beside the old ones, "
    "which keep working",
    "switch the Privilege Secure service account to the new secret: "
    "`pulumi stack output clientSecret --show-secrets`",
    "check that Privilege Secure signs in with it, then delete every old credential above with "
    "its command",
    "remove `adopt` from the stack config (`pulumi config rm adopt`) and run `pulumi up` again: "
    "nothing changes",
]


class _Auditor:
    """Compares one export with one manifest; collects what it finds as it goes."""

    def __init__(self, export: Export, manifest: Manifest, roles: tuple[str, ...]) -> None:
        self.export = export
        self.manifest = manifest
        self.roles = roles
        self.sp_id = export.service_principal["id"]
        self.graph_object_id = _graph_object_id(export)
        self.matches: list[str] = []
        self.creates: list[str] = []
        self.extras: list[Extra] = []

    def adopt(self) -> dict[str, object]:
        """The ``adopt`` object: every existing object the stack declares the same way."""
        adopt: dict[str, object] = {
            APPLICATION_OBJECT_ID: self.export.application["id"],
            SERVICE_PRINCIPAL_OBJECT_ID: self.sp_id,
        }
        self.matches.append(f"application {self.export.application['id']} is adopted")
        self.matches.append(f"service principal {self.sp_id} is adopted")
        adopt[APP_ROLE_ASSIGNMENT_IDS] = self._app_roles()
        grant = self._grant()
        if grant is not None:
            adopt[DELEGATED_PERMISSION_GRANT_ID] = grant
        adopt[DIRECTORY_ROLE_ASSIGNMENT_IDS] = self._roles()
        return adopt

    def _app_roles(self) -> dict[str, str]:
        by_role = {
            a["appRoleId"].lower(): a
            for a in self.export.app_role_assignments
            if self._is_graph(a["resourceId"])
        }
        adopted: dict[str, str] = {}
        for name in self.manifest.application_permissions:
            permission_id = _permission_id(name, PermissionType.APPLICATION)
            assignment = by_role.pop(permission_id, None)
            if assignment is None:
                self.creates.append(f"admin consent to {name} ({permission_id})")
            else:
                adopted[name] = assignment["id"]
                self.matches.append(f"admin consent to {name} ({permission_id})")
        for assignment in self.export.app_role_assignments:
            if assignment["id"] in adopted.values():
                continue
            self.extras.append(
                {
                    "what": f"admin consent to {self._app_role_label(assignment)}",
                    "remove": f"az rest --method DELETE --url {GRAPH_URL}/servicePrincipals/"
                    f"{self.sp_id}/appRoleAssignments/{assignment['id']}",
                }
            )
        return adopted

    def _grant(self) -> str | None:
        wanted = set(self.manifest.delegated_permissions)
        adopted: str | None = None
        for grant in self.export.oauth2_permission_grants:
            scopes = str(grant.get("scope") or "").split()
            tenant_wide = grant["consentType"] == "AllPrincipals"
            if wanted and adopted is None and tenant_wide and self._is_graph(grant["resourceId"]):
                adopted = grant["id"]
                for scope in sorted(wanted & set(scopes)):
                    self.matches.append(f"delegated consent to {scope}, tenant-wide")
                for scope in sorted(wanted - set(scopes)):
                    self.creates.append(f"delegated consent to {scope} (added to the grant)")
                for scope in scopes:
                    if scope not in wanted:
                        self.extras.append(
                            {
                                "what": f"delegated consent to {scope} (Microsoft Graph), "
                                "tenant-wide",
                                "remove": "`pulumi up` removes it: the adopted grant's scope "
                                f"becomes {' '.join(sorted(wanted))}",
                            }
                        )
                continue
            who = "tenant-wide" if tenant_wide else f"for user {grant.get('principalId')}"
            self.extras.append(
                {
                    "what": f"delegated consent to {' '.join(scopes) or '(no scope)'} "
                    f"({self._resource_label(grant['resourceId'])}), {who}",
                    "remove": f"az rest --method DELETE --url {GRAPH_URL}/oauth2PermissionGrants/"
                    f"{grant['id']}",
                }
            )
        if wanted and adopted is None:
            self.creates.append(
                f"delegated consent to {' '.join(sorted(wanted))}, tenant-wide (a new grant)"
            )
        return adopted

    def _roles(self) -> dict[str, str]:
        remaining = list(self.export.role_assignments)
        adopted: dict[str, str] = {}
        for role in self.roles:
            template_id = DIRECTORY_ROLE_TEMPLATE_IDS[role]
            match = next(
                (
                    a
                    for a in remaining
                    if a["roleDefinitionId"].lower() == template_id
                    and a.get("directoryScopeId", "/") == "/"
                ),
                None,
            )
            if match is None:
                self.creates.append(f"directory role {role}, tenant-wide")
                continue
            remaining.remove(match)
            adopted[role] = match["id"]
            self.matches.append(f"directory role {role}, tenant-wide")
        for assignment in remaining:
            scope = assignment.get("directoryScopeId") or "/"
            where = "tenant-wide" if scope == "/" else f"scope {scope}"
            self.extras.append(
                {
                    "what": f"directory role {_role_label(assignment['roleDefinitionId'])}, "
                    + where,
                    "remove": f"az rest --method DELETE --url {GRAPH_URL}/roleManagement/"
                    f"directory/roleAssignments/{assignment['id']}",
                }
            )
        return adopted

    def changes(self, run: ProgramRun, owners_configured: bool) -> Iterator[str]:
        """What the first ``pulumi up`` changes in place on the adopted objects."""
        application = run.of_type(types.APPLICATION)[0].inputs
        found = self.export.application
        for label, key, default in (
            ("display name", "displayName", None),
            ("notes", "notes", None),
            ("sign-in audience", "signInAudience", "AzureADMyOrg"),
        ):
            declared = application.get(key, default)
            if declared == found.get(key):
                self.matches.append(f"{label}: {_text(declared)}")
            else:
                yield f"{label}: {_text(found.get(key))} → {_text(declared)}"
        yield from self._owners("application", found, application, owners_configured)
        service_principal = run.of_type(types.SERVICE_PRINCIPAL)[0].inputs
        yield from self._owners(
            "service principal", self.export.service_principal, service_principal, owners_configured
        )
        if self.export.service_principal.get("accountEnabled") is False:
            yield "service principal: disabled → enabled (the provider's default)"
        yield from self._requests(application)
        for surface, value in _sign_in_surfaces(found):
            yield f"{surface}: {_text(value)} → none (the program declares a daemon app)"

    def _owners(
        self, what: str, found: Mapping[str, Any], declared: Mapping[str, Any], configured: bool
    ) -> Iterator[str]:
        if "owners" not in found:
            yield f"{what} owners: not in the export (export with ?$expand=owners to compare)"
            return
        existing = {str(o.get("id")).lower(): _owner_label(o) for o in found.get("owners") or []}
        if not configured:
            listed = ", ".join(existing.values()) or "none"
            yield (
                f"{what} owners: {listed} → the principal that runs `pulumi up` only "
                "(set `owners` to keep named administrators)"
            )
            return
        wanted = {str(o).lower() for o in declared.get("owners") or [] if o != DEPLOYER_OBJECT_ID}
        if wanted == set(existing):
            self.matches.append(f"{what} owners: {', '.join(existing.values())}")
            return
        for owner in sorted(set(existing) - wanted):
            yield f"{what} owners: removes {existing[owner]}"
        for owner in sorted(wanted - set(existing)):
            yield f"{what} owners: adds {owner}"

    def _requests(self, application: Mapping[str, Any]) -> Iterator[str]:
        declared = {
            (str(a["id"]).lower(), str(a["type"]))
            for access in application.get("requiredResourceAccesses") or []
            for a in access.get("resourceAccesses") or []
        }
        found = _requested(self.export)
        for permission_id, kind in sorted(found - declared):
            yield f"stops requesting {_request_label(permission_id, kind)}"
        for permission_id, kind in sorted(declared - found):
            yield f"requests {_request_label(permission_id, kind)}"
        for permission_id, kind in sorted(found & declared):
            self.matches.append(f"requests {_request_label(permission_id, kind)}")

    def requested_without_consent(self) -> list[str]:
        consented_roles = {
            a["appRoleId"].lower()
            for a in self.export.app_role_assignments
            if self._is_graph(a["resourceId"])
        }
        consented_scopes = self._consented_scope_ids()
        missing = []
        for permission_id, kind in sorted(_requested(self.export)):
            consented = consented_roles if kind == "Role" else consented_scopes
            if permission_id not in consented:
                missing.append(_request_label(permission_id, kind))
        return missing

    def consent_without_request(self) -> list[str]:
        requested = _requested(self.export)
        found = []
        for assignment in self.export.app_role_assignments:
            if self._is_graph(assignment["resourceId"]) and (
                (assignment["appRoleId"].lower(), "Role") not in requested
            ):
                found.append(self._app_role_label(assignment))
        for grant in self.export.oauth2_permission_grants:
            if not self._is_graph(grant["resourceId"]):
                continue
            for scope in str(grant.get("scope") or "").split():
                scope_id = pinned_permission_ids(PermissionType.DELEGATED).get(scope)
                if scope_id is None or (scope_id, "Scope") not in requested:
                    found.append(f"delegated {scope} (Microsoft Graph)")
        return found

    def _consented_scope_ids(self) -> set[str]:
        ids = pinned_permission_ids(PermissionType.DELEGATED)
        return {
            ids[scope]
            for grant in self.export.oauth2_permission_grants
            if self._is_graph(grant["resourceId"])
            for scope in str(grant.get("scope") or "").split()
            if scope in ids
        }

    def in_tenant(self, import_id: str) -> str:
        """An import id as the tenant will see it: the offline engine's Microsoft Graph service
        principal replaced by this tenant's (from the assignments; the program looks it up)."""
        offline = f"/servicePrincipals/{GRAPH_OBJECT_ID}/"
        if self.graph_object_id is None or not import_id.startswith(offline):
            return import_id
        return import_id.replace(offline, f"/servicePrincipals/{self.graph_object_id}/", 1)

    def _is_graph(self, resource_id: str) -> bool:
        return self.graph_object_id is not None and resource_id.lower() == self.graph_object_id

    def _resource_label(self, resource_id: str) -> str:
        return MICROSOFT_GRAPH_DISPLAY_NAME if self._is_graph(resource_id) else resource_id

    def _app_role_label(self, assignment: Mapping[str, Any]) -> str:
        role_id = str(assignment["appRoleId"]).lower()
        if not self._is_graph(assignment["resourceId"]):
            return f"app role {role_id} of {assignment.get('resourceDisplayName') or 'an API'}"
        return f"{_request_label(role_id, 'Role')} (Microsoft Graph)"


def _graph_object_id(export: Export) -> str | None:
    """Microsoft Graph's service principal in this tenant, as the assignments name it."""
    for assignment in export.app_role_assignments:
        if assignment.get("resourceDisplayName") == MICROSOFT_GRAPH_DISPLAY_NAME:
            return str(assignment["resourceId"]).lower()
    return None


def _requested(export: Export) -> set[tuple[str, str]]:
    return {
        (str(a.get("id")).lower(), str(a.get("type")))
        for access in export.application.get("requiredResourceAccess") or []
        if str(access.get("resourceAppId")).lower() == MICROSOFT_GRAPH_APP_ID
        for a in access.get("resourceAccess") or []
    }


def _permission_id(name: str, kind: PermissionType) -> str:
    return pinned_permission_ids(kind)[name]


def _request_label(permission_id: str, kind: str) -> str:
    """``Mail.Send (b633e1c5-…)`` for any permission Microsoft publishes (its full table, as the
    pack names them); an id it does not publish, with how to ask the tenant for its name."""
    permission_type = PermissionType.APPLICATION if kind == "Role" else PermissionType.DELEGATED
    if graph_permission_by_id(permission_id, permission_type) is not None:
        return describe_permission_id(permission_id, permission_type)
    where = "appRoles" if kind == "Role" else "oauth2PermissionScopes"
    return (
        f"{permission_type.value.lower()} permission {permission_id} (Microsoft Graph publishes "
        "no such id in policies/src/entra_vocabulary/graph_permission_ids.md; its name: "
        f"az ad sp show --id {MICROSOFT_GRAPH_APP_ID} "
        f"--query \"{where}[?id=='{permission_id}'].value\")"
    )


def _role_label(template_id: str) -> str:
    name = directory_role_name(template_id)
    if name is not None:
        return name
    return f"{template_id} (a role template not in policies/src/entra_vocabulary/microsoft_ids.py)"


def _owner_label(owner: Mapping[str, Any]) -> str:
    name = owner.get("userPrincipalName") or owner.get("displayName") or "an owner"
    return f"{name} ({owner.get('id')})"


def _sign_in_surfaces(application: Mapping[str, Any]) -> Iterator[tuple[str, object]]:
    """What a daemon app does not need and the program does not declare."""
    for label, value in (
        ("web redirect URIs", _field(application, "web", "redirectUris")),
        ("SPA redirect URIs", _field(application, "spa", "redirectUris")),
        ("public client redirect URIs", _field(application, "publicClient", "redirectUris")),
        ("identifier URIs", application.get("identifierUris")),
        ("exposed scopes", _field(application, "api", "oauth2PermissionScopes")),
        ("app roles", application.get("appRoles")),
        ("public client flows", application.get("isFallbackPublicClient")),
    ):
        if value:
            yield label, value


def _field(entity: Mapping[str, Any], key: str, inner: str) -> object:
    """``entity[key][inner]``, or ``None`` when either level is missing or not an object."""
    outer = entity.get(key)
    return outer.get(inner) if isinstance(outer, dict) else None


def _text(value: object) -> str:
    return "none" if value in (None, "") else repr(value)


STACK_SECRET_PREFIX: Final = "Privilege Secure, issued for "
"""How this stack names its own client secrets (``components.app_registration``)."""


def _credential(credential: Credential, export: Export, now: datetime) -> ExistingCredential:
    delete = _delete_command(credential, export)
    status = _status(credential.end, now)
    if credential.kind == "password" and credential.display_name.startswith(STACK_SECRET_PREFIX):
        # Auditing an app already adopted: its stack's own secrets are not leftovers.
        status += "; named like this stack's own secrets: keep it if the stack issued it"
        delete = f"only if no stack issued it: {delete}"
    return {
        "owner": credential.owner,
        "kind": credential.kind,
        "keyId": credential.key_id,
        "displayName": credential.display_name,
        "endDateTime": credential.end,
        "status": status,
        "delete": delete,
    }


def _status(end: str, now: datetime) -> str:
    try:
        moment = datetime.fromisoformat(end.replace("Z", "+00:00"))
    except ValueError:
        return "no readable end date"
    if moment <= now:
        return "expired"
    days = (moment - now).days
    if moment - now > timedelta(days=MAX_SECRET_LIFETIME_DAYS):
        return f"valid for {days} more days: longer than any secret this stack issues"
    return f"valid for {days} more days"


def _delete_command(credential: Credential, export: Export) -> str:
    app_id = export.application["appId"]
    noun = "app" if credential.owner == "application" else "sp"
    cert = " --cert" if credential.kind == "certificate" else ""
    return f"az ad {noun} credential delete --id {app_id} --key-id {credential.key_id}{cert}"


def _judge(stack: str, *stacks: Sequence[DeclaredResource]) -> tuple[PolicyResult, PolicyResult]:
    """The pack's verdict on each set of resources, as `pulumi preview --policy-pack` gives it."""
    from offline_preview.policy_client import PolicyPackClient
    from offline_preview.verdict import judge

    # The stack's own pack config, as the pipelines give it (offline_preview/stacks.py).
    config = read_policy_config(
        argparse.Namespace(policy_pack="policies", policy_pack_config=None, no_policy=False),
        stack,
    )
    pack = PolicyPackClient(REPOSITORY / "policies").start()
    try:
        verdicts = [judge(pack, list(resources), config, stack, PROJECT) for resources in stacks]
    finally:
        pack.stop()
    adopted, hand_made_app = (_result(verdict) for verdict in verdicts)
    return adopted, hand_made_app


def _result(verdict: PolicyVerdict) -> PolicyResult:
    return {
        "pack": verdict.pack,
        "mandatoryViolations": len(verdict.mandatory),
        "findings": [
            {
                "policy": d.policy_name,
                "level": d.enforcement_level,
                "resource": d.urn.rsplit("::", 1)[-1] if d.urn else "stack",
                "message": d.detail,
            }
            for d in verdict.diagnostics
        ],
    }


def render(report: Report, output_format: str) -> str:
    if output_format == "json":
        return json.dumps(report, indent=2) + "\n"
    markdown = output_format == "markdown"
    return "\n".join(_lines(report, markdown)) + "\n"


def _lines(report: Report, markdown: bool) -> Iterator[str]:
    app = report["application"]
    title = (
        f"Audit of the hand-made registration {app['displayName']!r} "
        f"(client id {app['appId']}) against stack {report['stack']} "
        f"(Privilege Secure {report['privilegeSecureVersion']} manifest)"
    )
    yield f"### {title}" if markdown else title
    yield ""

    def section(heading: str, items: Sequence[str], marker: str) -> Iterator[str]:
        yield f"#### {heading} ({len(items)})" if markdown else f"{heading} ({len(items)}):"
        for item in items or ["none"]:
            yield f"- {item}" if markdown else f"  {marker} {item}"
        yield ""

    yield from section("Matches", report["matches"], "=")
    yield from section("`pulumi up` changes in place", report["changesInPlace"], "~")
    yield from section("`pulumi up` creates", report["creates"], "+")
    yield from section(
        "Beyond the manifest (Pulumi does not manage these, so it does not remove them)",
        [f"{e['what']}; remove: {e['remove']}" for e in report["beyondManifest"]],
        "!",
    )
    yield from section("Requested without consent", report["requestedWithoutConsent"], "?")
    yield from section("Consent without request", report["consentWithoutRequest"], "?")
    yield from section(
        "Existing credentials (each stays valid until deleted)",
        [
            f"{c['kind']} {c['keyId']} of the {c['owner']}"
            + (f" {c['displayName']!r}" if c["displayName"] else "")
            + f", ends {c['endDateTime']} ({c['status']}); delete: {c['delete']}"
            for c in report["credentials"]
        ],
        "*",
    )
    yield "Order:"
    for number, step in enumerate(report["credentialOrder"], start=1):
        yield f"  {number}. {step}" if not markdown else f"{number}. {step}"
    yield ""
    yield from section(
        "Imported by the first `pulumi up`",
        [f"{i['resource']} ← {i['importId']}" for i in report["imports"]],
        "=",
    )
    for key, what in (
        ("policyAsItStands", "the hand-made app as it stands"),
        ("policy", "the adopted stack"),
    ):
        policy: PolicyResult = report[key]  # type: ignore[literal-required]
        verdict = "FAIL" if policy["mandatoryViolations"] else "PASS"
        yield from section(
            f"Policy pack {policy['pack']} on {what}: {verdict}",
            [
                f"[{f['level']}] {f['policy']} ({f['resource']}): {f['message']}"
                for f in policy["findings"]
            ],
            "!",
        )
    if report["beyondManifest"]:
        yield "The pack judges what the program declares: the extras above escape it until removed."
        yield ""
    heading = f"Stack config to adopt with (Pulumi.{report['stack']}.yaml)"
    yield f"#### {heading}" if markdown else f"{heading}:"
    yield "```yaml"
    yield report["configYaml"].rstrip("\n")
    yield "```"
    yield "or:"
    yield "```sh"
    yield report["configCommand"]
    yield "```"


__all__ = ["REPORT_SCHEMA", "Report", "audit", "main", "parser", "render"]
