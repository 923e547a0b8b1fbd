"""A PbR contract in the INDIGO impact bond data standard, so that a bond can be published.

INDIGO (Government Outcomes Lab, University of Oxford) is the open data standard for impact
bonds and outcomes contracts. The field names here are the standard's own, from its project
schema: GitHub ``INDIGO-Initiative/indigo-data-standard``, ``schema/project.json`` (with
``schema/organisation.json`` and ``docs/identifiers.rst``). As in the standard, each value
sits in an object ``{"value": ...}``; dates are YYYY-MM-DD and money is a decimal string in
pounds ("1234.50"), exact, never a float.

The document holds:

- ``project``: the INDIGO identifier (prefix ``INDIGO-POJ``, the standard's prefix for a
  project), name, ``dates``, ``overall_project_finance``, ``service_and_beneficiaries``,
  ``service_provisions`` and the ``organisations`` it names (provider, outcome payer,
  verifier; prefix ``INDIGO-ORG``). These identifiers are this fund's until INDIGO assigns
  its own.
- ``outcome_metrics`` (one per rate card metric), ``outcome_pricings`` (its price, cap and the
  most one participant may earn), ``outcome_payment_commitments`` (the commitment: the
  maximum liability and what was paid), ``outcome_payments`` (one per payment or recovery on
  the ledger) and ``results`` (one per claim, with what was verified).

In the standard these lists are properties of the project; here they sit beside it, one key
each, so a reader finds each at the top. A published bond names organisations, never people:
the names of those who recorded and verified claims are given only to roles that may see
people, and no participant reference is ever exported.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pandas as pd

from fund import register
from fund.auth import Permission, User, may, require
from fund.db import frame
from fund.pbr import claims, contracts, exposure

CURRENCY = "GBP"
STANDARD = "INDIGO impact bond data standard (INDIGO-Initiative/indigo-data-standard)"

_ENTRIES = """
SELECT e.entry_id, e.kind, e.amount, e.value_date, e.reverses
FROM ledger_entry AS e
WHERE e.commitment_id = ? AND e.kind IN ('disbursement', 'recovery')
ORDER BY e.value_date, e.entry_id
"""


def project_id(contract_id: int) -> str:
    return f"INDIGO-POJ-RINGFENCE-{contract_id}"


def export(con: duckdb.DuckDBPyConnection, actor: User, contract_id: object) -> dict:
    """The contract, its rate card, claims and payments as one INDIGO document (every
    reading role; people's names only for those who may see people)."""
    user = require(con, actor, Permission.READ_SUMMARY)
    number = register.parse_id(contract_id, "contract")
    terms = contracts.contract(con, actor, number)
    money = _money(con, actor, number)
    orgs = _organisations(terms)
    project = _project(terms, orgs, money) | {  # the standard's lists are the project's own
        "outcome_metrics": _metrics(terms),
        "outcome_pricings": _pricings(terms),
        "outcome_payment_commitments": [_commitment(terms, orgs, money)],
        "outcome_payments": _payments(con, terms, orgs),
        "results": _results(
            claims.claims(con, actor, contract_id=number),
            terms,
            orgs,
            people=may(user.role, Permission.READ_PEOPLE),
        ),
    }
    return {"standard": STANDARD, "project": project}


def _v(value: object) -> dict[str, object]:
    """A value as the standard holds it: ``{"value": ...}``, money and dates as text."""
    if isinstance(value, Decimal):
        return {"value": str(value)}
    if isinstance(value, date):
        return {"value": value.isoformat()}
    if value is not None and hasattr(value, "item"):  # a numpy scalar
        return {"value": value.item()}
    return {"value": value}


def _gbp(amount: Decimal | None) -> dict[str, object]:
    return {"currency": _v(CURRENCY), "amount": _v(amount)}


def _money(con, actor: User, contract_id: int) -> dict[str, Decimal]:
    table = exposure.exposure(con, actor)
    row = table[table["contract_id"] == contract_id]
    return {name: row[name].iloc[0] for name in exposure.MONEY}


def _organisations(terms: contracts.Contract) -> dict[str, dict]:
    """The contract's organisations by role, each with an INDIGO organisation identifier."""
    base = f"INDIGO-ORG-RINGFENCE-{terms.contract_id}"
    return {
        role: {"id": f"{base}-{role.upper().replace('_', '-')}", "name": _v(name), "role": role}
        for role, name in (
            ("provider", terms.provider),
            ("outcome_payer", terms.outcome_payer),
            ("verifier", terms.verifier),
        )
    }


def _project(terms: contracts.Contract, orgs: dict[str, dict], money: dict) -> dict:
    participants = sum(int(n) for n in terms.cohorts["participants"].tolist())
    return {
        "id": project_id(terms.contract_id),
        "status": "PUBLIC",
        "name": _v(terms.name),
        "dates": {
            "start_date_of_service_provision": _v(terms.starts_on),
            "anticipated_end_date_of_service_provision": _v(terms.ends_on),
        },
        "overall_project_finance": {
            "maximum_potential_outcome_payment_v2": _gbp(money["maximum_liability"]),
            "total_outcome_payments_made": _gbp(money["paid"]),
        },
        "service_and_beneficiaries": {
            "target_population": _v(
                "; ".join(
                    f"cohort {c} from {s.isoformat()}: {int(n)} participant(s)"
                    for c, s, n in terms.cohorts.itertuples(index=False)
                )
            ),
            "targeted_number_service_users_or_beneficiaries_total": _v(participants),
            "unit_type_targeted_service_users_or_beneficiaries": _v("Individual"),
        },
        "service_provisions": [
            {
                "id": "SP-1",
                "organisation_id": _v(orgs["provider"]["id"]),
                "planned_service": {
                    "start_date": _v(terms.starts_on),
                    "end_date": _v(terms.ends_on),
                },
            }
        ],
        "organisations": list(orgs.values()),
        "notes": _v(f"Ringfence PbR contract #{terms.contract_id}"),
    }


def _metrics(terms: contracts.Contract) -> list[dict]:
    participants = sum(int(n) for n in terms.cohorts["participants"].tolist())
    return [
        {
            "id": metric,
            "definition": _v(definition),
            "targeted_number_of_service_users_or_beneficiaries_total": _v(participants),
            "outcome_validation_method": _v(terms.baseline_rule),
        }
        for metric, definition in zip(
            terms.rate_card["metric"], terms.rate_card["definition"], strict=True
        )
    ]


def _pricings(terms: contracts.Contract) -> list[dict]:
    per_participant = terms.max_per_participant
    return [
        {
            "outcome_metric_id": _v(metric),
            "currency": _v(CURRENCY),
            "price_per_unit": {"amount": _v(price)},
            "maximum_price_if_all_targets_achieved": {"amount": _v(_none(cap))},
            "price_description": _v(_price_description(price, _none(cap), per_participant)),
        }
        for metric, price, cap in zip(
            terms.rate_card["metric"],
            terms.rate_card["unit_price"],
            terms.rate_card["cap"],
            strict=True,
        )
    ]


def _none(value: object) -> object:
    return None if value is None or pd.isna(value) else value


def _price_description(price: Decimal, cap: Decimal | None, per_participant) -> str:
    words = [f"{price} {CURRENCY} per verified outcome"]
    words.append(
        f"the metric earns at most {cap} {CURRENCY}" if cap is not None else "no cap of its own"
    )
    if per_participant is not None:
        words.append(
            f"one participant earns at most {per_participant} {CURRENCY} across all metrics"
        )
    return "; ".join(words)


def _commitment(terms: contracts.Contract, orgs: dict[str, dict], money: dict) -> dict:
    return {
        "organisation_id": _v(orgs["outcome_payer"]["id"]),
        "maximum_potential_outcome_payment": _gbp(money["maximum_liability"]),
        "result_type": _v("Overall"),
        "period": {"start_date": _v(terms.starts_on), "end_date": _v(terms.ends_on)},
        "total_outcome_payments": _gbp(money["paid"]),
        "notes": f"Ringfence commitment #{terms.commitment_id}",
    }


def _payments(con, terms: contracts.Contract, orgs: dict[str, dict]) -> list[dict]:
    """Each payment or recovery on the contract's commitment, dated by its value date; a
    recovery, and the reversal of a payment, is a negative amount."""
    entries = frame(con, _ENTRIES, [terms.commitment_id])
    return [
        {
            "period": {"end_date": _v(on)},
            "payer_organisation_id": _v(orgs["outcome_payer"]["id"]),
            "recipient_organisation_id": _v(orgs["provider"]["id"]),
            "type": _v("Actual"),
            "money": _gbp(-amount if kind == "recovery" else amount),
            "notes": _payment_note(entry_id, kind, on, reverses),
        }
        for entry_id, kind, amount, on, reverses in entries.itertuples(index=False)
    ]


def _payment_note(entry_id: int, kind: str, on: date, reverses: object) -> str:
    what = "payment" if kind == "disbursement" else "recovery"
    undoes = f", reversing entry #{int(reverses)}" if _none(reverses) is not None else ""
    return f"Ringfence ledger entry #{int(entry_id)}: {what} on {on.isoformat()}{undoes}"


def _results(table: pd.DataFrame, terms, orgs: dict[str, dict], *, people: bool) -> list[dict]:
    participants = dict(
        zip(terms.cohorts["cohort"], terms.cohorts["participants"].tolist(), strict=True)
    )
    rows = table.astype(object).where(table.notna(), None).to_dict(orient="records")
    return [_result(row, participants, orgs, people) for row in rows]


def _result(row: dict, participants: dict, orgs: dict[str, dict], people: bool) -> dict:
    status = row["status"]
    decided = status != "awaiting"
    verified = int(row["verified"]) if decided else None
    return {
        "outcome_metric_id": _v(row["metric"]),
        "result_level": _v("Outcome level"),
        "result_type": _v("Interim"),
        "period": {"start_date": _v(row["period_start"]), "end_date": _v(row["period_end"])},
        "outcomes_achieved": _v(
            f"{status.replace('_', ' ')}: {verified if decided else 'none yet'} of"
            f" {int(row['claimed'])} claimed outcome(s) verified"
        ),
        "number_engaged_in_impact_bond": _v(int(participants[row["cohort"]])),
        "number_with_positive_social_outcomes": _v(verified),
        "other_description_of_result": _v(f"Evidence: {row['evidence']}"),
        "outcomes_validator_organisation_ids": _v(orgs["verifier"]["id"] if decided else None),
        "notes": _result_note(row, people),
    }


def _result_note(row: dict, people: bool) -> str:
    """Which claim this is, of which cohort, and its decision; who, only for those who may
    see people."""
    by = f" by {row['claimed_by']}" if people else ""
    note = f"Ringfence claim #{int(row['claim_id'])}, cohort {row['cohort']}: claimed{by}"
    note += f" on {row['claimed_at'].date().isoformat()}"
    if row["status"] != "awaiting":
        who = f" by {row['verified_by']}" if people else ""
        note += (
            f"; {row['status'].replace('_', ' ')}{who} on {row['verified_at'].date().isoformat()}:"
            f" {row['decision_reason']}; value {row['value']} {CURRENCY}"
        )
    if row["reversals"]:
        note += f"; earlier decision(s) reversed: {int(row['reversals'])}"
    return note
