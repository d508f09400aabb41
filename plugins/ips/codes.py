"""The IPS service's code lists, as data: one place for forms, schemas, reports and exports.

Each list is ``(code, label)`` pairs in the order people see them. The MHSDS lists carry their
version (nhs-data.md) so a report can say which it used.
"""

from __future__ import annotations

Codes = tuple[tuple[str, str], ...]

REFERRAL_SOURCES: Codes = (
    ("mental_health_team", "Community mental-health team"),
    ("job_centre_plus", "Job Centre Plus"),
    ("gp", "GP"),
    ("self", "Self-referral"),
    ("other", "Other"),
)

#: The journey. There is no "not ready for work": IPS has zero exclusion.
STATUSES: Codes = (
    ("referred", "Referred"),
    ("accepted", "Accepted"),
    ("job_search", "Job search"),
    ("in_work", "In work (in-work support)"),
    ("closed", "Closed"),
)
OPEN_STATUSES = frozenset({"referred", "accepted", "job_search", "in_work"})

#: Why an episode ended. Support is time-unlimited, so none of these is "time is up", and none
#: is a judgement that the person is not ready for work.
CLOSE_REASONS: Codes = (
    ("client_chose_to_stop", "The person chose to stop"),
    ("no_longer_wants_work", "No longer wants work or education"),
    ("sustained_no_support_needed", "In work and no longer wants support"),
    ("moved_away", "Moved out of the area"),
    ("lost_contact", "Lost contact after assertive outreach"),
    ("transferred", "Transferred to another service"),
    ("died", "Died"),
    ("other", "Other"),
)

OUTCOME_KINDS: Codes = (
    ("paid_job", "Paid job (employed or self-employed)"),
    ("education", "Education or training"),
    ("voluntary", "Voluntary work"),
    ("work_experience", "Work experience"),
)

OUTCOME_END_REASONS: Codes = (
    ("resigned_new_job", "Left for another job"),
    ("resigned", "Resigned"),
    ("dismissed", "Dismissed"),
    ("contract_ended", "Temporary contract ended"),
    ("health", "Health reasons"),
    ("course_completed", "Course or placement completed"),
    ("other", "Other"),
)

EMPLOYER_CONTACT_TYPES: Codes = (
    ("face_to_face", "Face to face"),
    ("phone", "Phone"),
    ("video", "Video call"),
    ("email", "Email"),
)

EMPLOYER_CONTACT_PURPOSES: Codes = (
    ("job_development", "Job development (learning the employer's needs)"),
    ("client_specific", "About a job for a client"),
    ("in_work_support", "In-work support"),
    ("other", "Other"),
)

SUPPORT_CONTACT_TYPES: Codes = (
    ("face_to_face", "Face to face"),
    ("phone", "Phone"),
    ("video", "Video call"),
    ("text", "Text message"),
    ("email", "Email"),
)

RETENTION_RESULTS: Codes = (
    ("retained", "Retained"),
    ("not_retained", "Not retained"),
)

REVIEWER_TYPES: Codes = (
    ("external", "External reviewer"),
    ("internal", "Internal reviewer"),
    ("lived_experience", "Quality consultant with lived experience"),
)

#: MHSDS employment status (nhs-data.md).
EMPLOYMENT_STATUS_VERSION = "MHSDS v6"
EMPLOYMENT_STATUSES: Codes = (
    ("01", "Employed"),
    ("02", "Unemployed and seeking work"),
    ("03", "Student (not working or seeking work)"),
    ("04", "Long-term sick or disabled"),
    ("05", "Looking after family or home"),
    ("06", "Not on benefits, not working or seeking work"),
    ("07", "Unpaid voluntary work"),
    ("08", "Retired"),
    ("ZZ", "Not stated"),
)
#: Everything but "employed" and "not stated" is out of work at the start (IPS Grow's rate).
OUT_OF_WORK_STATUSES = frozenset({"02", "03", "04", "05", "06", "07", "08"})

#: MHSDS weekly hours worked (nhs-data.md).
HOURS_BANDS: Codes = (
    ("01", "30 hours or more"),
    ("02", "16 to 29 hours"),
    ("03", "5 to 15 hours"),
    ("04", "1 to 4 hours"),
    ("97", "Not stated"),
    ("98", "Not applicable"),
    ("99", "Not known"),
)


def label(codes: Codes, code: str | None) -> str:
    """The label people read for ``code`` (the code itself if it is not on the list)."""
    if code is None:
        return ""
    return dict(codes).get(code, code)


def keys(codes: Codes) -> tuple[str, ...]:
    return tuple(code for code, _ in codes)
