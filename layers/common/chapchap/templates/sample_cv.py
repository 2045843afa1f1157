"""The sample CV every template thumbnail shows: fixed, realistic, about one full page.

Fixed so a thumbnail changes only when its template's look does (the thumbnail's key names
the look, not this content). Fictional person; the employers are real Tanzanian companies,
as a visitor's CV would name them.
"""
from __future__ import annotations

from typing import Any

SAMPLE_CV: dict[str, Any] = {
    "basics": {
        "name": "Neema Mushi",
        "label": "Accountant · CPA(T)",
        "email": "neema.mushi@example.co.tz",
        "phone": "+255 713 200 450",
        "summary": ("Certified public accountant with seven years in banking and telecom. I close the books on "
                    "time, keep auditors happy and turn ledgers into reports that managers read. Fluent in "
                    "Swahili and English."),
        "location": {"city": "Arusha", "countryCode": "TZ"},
        "profiles": [{"network": "LinkedIn", "username": "neema-mushi",
                      "url": "https://www.linkedin.com/in/neema-mushi"}],
    },
    "work": [
        {"name": "CRDB Bank", "position": "Senior Accountant, Financial Reporting", "location": "Arusha",
         "startDate": "2021-04",
         "highlights": ["Cut the monthly close from nine working days to five.",
                        "Prepared IFRS 9 provisioning reports for the Bank of Tanzania.",
                        "Led a team of four accountants across two regions."]},
        {"name": "Vodacom Tanzania", "position": "Accountant, M-Pesa Settlements", "location": "Dar es Salaam",
         "startDate": "2018-01", "endDate": "2021-03",
         "highlights": ["Reconciled 1.2 million daily agent transactions with the trust accounts.",
                        "Automated the float reports, saving 30 hours a month."]},
        {"name": "PwC Tanzania", "position": "Audit Associate", "location": "Dar es Salaam",
         "startDate": "2016-02", "endDate": "2017-12",
         "highlights": ["Audited manufacturing and NGO clients under ISA."]},
    ],
    "education": [
        {"institution": "University of Dar es Salaam Business School", "area": "Accounting",
         "studyType": "BCom", "startDate": "2012", "endDate": "2015", "score": "Upper Second"},
    ],
    "certificates": [
        {"name": "Certified Public Accountant, CPA(T)", "issuer": "NBAA Tanzania", "date": "2018-11"},
    ],
    "skills": [
        {"name": "Accounting", "level": "Expert", "keywords": ["IFRS", "Month-end close", "Audit", "Tax"]},
        {"name": "Tools", "level": "Advanced", "keywords": ["Excel", "SAP", "QuickBooks", "Power BI"]},
    ],
    "languages": [
        {"language": "Swahili", "fluency": "Native speaker"},
        {"language": "English", "fluency": "Fluent"},
    ],
    "references": [
        {"name": "Joseph Kimaro, Finance Manager, CRDB Bank", "reference": "Available on request."},
    ],
}
