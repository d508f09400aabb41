"""NHS Data Dictionary / MHSDS code lists used on the client record, kept as data with versions.

Labels marked unconfirmed in the domain notes stay here as editable reference data.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CodeList:
    name: str
    version: str
    codes: dict[str, str]

    def label(self, code: str | None) -> str:
        return self.codes.get(code or "", "")

    def choices(self) -> list[tuple[str, str]]:
        return list(self.codes.items())


GENDER_IDENTITY = CodeList(
    "Gender identity",
    "MHSDS v6",
    {
        "1": "Male (including trans man)",
        "2": "Female (including trans woman)",
        "3": "Non-binary",
        "4": "Other (not listed)",
        "Z": "Not stated (person asked but declined to provide a response)",
        "X": "Not known (not recorded)",
    },
)

ETHNIC_CATEGORY = CodeList(
    "Ethnic category",
    "NHS Data Dictionary 2001 census categories",
    {
        "A": "White - British",
        "B": "White - Irish",
        "C": "White - Any other White background",
        "D": "Mixed - White and Black Caribbean",
        "E": "Mixed - White and Black African",
        "F": "Mixed - White and Asian",
        "G": "Mixed - Any other mixed background",
        "H": "Asian or Asian British - Indian",
        "J": "Asian or Asian British - Pakistani",
        "K": "Asian or Asian British - Bangladeshi",
        "L": "Asian or Asian British - Any other Asian background",
        "M": "Black or Black British - Caribbean",
        "N": "Black or Black British - African",
        "P": "Black or Black British - Any other Black background",
        "R": "Other Ethnic Groups - Chinese",
        "S": "Other Ethnic Groups - Any other ethnic group",
        "Z": "Not stated",
        "99": "Not known",
    },
)

CONTACT_METHODS = CodeList(
    "Contact method",
    "Stepping Stones 1",
    {
        "face_to_face": "Face to face",
        "phone": "Telephone",
        "video": "Video call",
        "text": "Text message",
        "email": "Email",
    },
)

CLOSURE_REASONS = CodeList(
    "Reason for closing",
    "Stepping Stones 1",
    {
        "goals_met": "Goals met",
        "moved_away": "Moved out of area",
        "declined": "Declined further support",
        "transferred": "Transferred to another service",
        "no_contact": "Lost contact",
        "died": "Died",
        "duplicate": "Duplicate record",
        "other": "Other",
    },
)

CONSENT_METHODS = CodeList(
    "How consent was recorded",
    "Stepping Stones 1",
    {
        "verbal": "Verbal, recorded by staff",
        "written": "Written (signed form)",
        "electronic": "Electronic (online form)",
    },
)

#: Purposes of consent to share, and the kind of organisation each purpose shares with.
CONSENT_PURPOSES = CodeList(
    "Purpose of consent",
    "Stepping Stones 1",
    {
        "jcp_joint_caseload": "Sharing with Job Centre Plus for joint caseload work",
        "housing_referral": "Referral to a housing provider",
        "recovery_college": "Learning with a Recovery College",
        "employer_support": "Support in work with an employer",
        "voluntary_sector_support": "Support from a voluntary sector organisation",
    },
)

PURPOSE_ORGANISATION_KIND = {
    "jcp_joint_caseload": "job_centre_plus",
    "housing_referral": "housing_provider",
    "recovery_college": "recovery_college",
    "employer_support": "employer",
    "voluntary_sector_support": "voluntary_sector",
}
