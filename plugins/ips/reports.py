"""IPS reports, run through core's reports framework (``register_reports``).

* ``ips-outcomes/3`` — the commissioner's outcome table (reports_outcomes);
* ``ips-rapid-search/3`` — days from acceptance to first employer contact (reports_rapid_search);
* ``ips-job-starts-by-specialist/2`` and ``ips-caseloads/3`` — per specialist
  (reports_specialists);
* ``ips-fidelity-trend/1`` — fidelity reviews over time (reports_fidelity).

Each lives in its own module; this one only lists them, in the order the reports page shows.
Every report that counts clients leaves out those whose processing is restricted
(``may_process_client``, UK GDPR Art. 18).
"""

from __future__ import annotations

from core.plugins.api import Report

from .reports_fidelity import FIDELITY_TREND_REPORT
from .reports_outcomes import OUTCOMES_REPORT
from .reports_rapid_search import RAPID_SEARCH_REPORT
from .reports_specialists import CASELOADS_REPORT, JOB_STARTS_REPORT

REPORTS: list[Report] = [
    OUTCOMES_REPORT,
    RAPID_SEARCH_REPORT,
    JOB_STARTS_REPORT,
    CASELOADS_REPORT,
    FIDELITY_TREND_REPORT,
]
