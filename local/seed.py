"""Demo data for the running local stack, made through the domain code: `make seed`.

    python -m local.seed [--days 90] [--users 150] [--seed 7] [--url http://127.0.0.1:3000]

A believable stretch of business: visitors build CVs anonymously and register (the CVs move
to them), others register first; CVs on every template in English and Swahili, edited,
copied and deleted; sign-ins on later days; Selcom payments in every status (completed
through `confirm.complete` (chapchap/payments/confirm.py), the others through `leave_pending_op`, as the webhook and
reconciliation paths end them: Selcom is never called); downloads of the rendered PDFs.
Time moves by patching `chapchap.clock.now` to each event's instant (business hours in Dar
es Salaam, a few near midnight), so the day counters, months and active users land on
their days. Every count comes from the domain's own transactions: nothing writes counters.

The stack's `/_local/info` gives the emulator endpoint and the resource names; this process
then talks to the same emulator. Deterministic for a given --seed (names, CVs, times,
outcomes; ids are random); running again adds another batch (emails carry a batch tag).
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import requests

from .aws import point_boto3_at
from .template import Resolver, global_environment, load_template

DAR = ZoneInfo("Africa/Dar_es_Salaam")
DEMO_PASSWORD = "Demo-Chap-Chap-2026"

FIRST = {
    "f": ["Amina", "Neema", "Rehema", "Halima", "Grace", "Mwanaisha", "Zawadi", "Upendo", "Salma", "Agnes",
          "Imani", "Rukia", "Esther", "Fatma", "Happiness", "Winfrida", "Saida", "Janeth", "Mwajuma", "Lucy",
          "Subira", "Anna", "Zuhura", "Catherine", "Tumaini", "Witness", "Nasra", "Pendo"],
    "m": ["Juma", "Baraka", "Said", "Emmanuel", "Joseph", "Hamisi", "Faraji", "Musa", "Daudi", "Khamis",
          "Godfrey", "Elia", "Kassim", "Bakari", "Omari", "Frank", "Athumani", "Erasto", "Rashidi", "Yusufu",
          "Peter", "Idrisa", "Gabriel", "Shabani", "Ibrahim", "Nassoro", "Deogratias", "Issa"],
}
LAST = ["Mwakyusa", "Kimaro", "Mushi", "Massawe", "Mollel", "Lyimo", "Komba", "Mrema", "Shirima", "Njau",
        "Msuya", "Mwakalinga", "Kapinga", "Hassan", "Mohamed", "Ally", "Mbwambo", "Temba", "Chande", "Salum",
        "Mfinanga", "Kweka", "Magesa", "Mahenge", "Mbise", "Urassa", "Nyambura", "Mwinyi", "Kaduma", "Swai",
        "Makame", "Mtui", "Sanga", "Haule", "Mapunda", "Ngowi", "Kisanga", "Rajabu"]
CITIES = [("Dar es Salaam", "Dar es Salaam", 40), ("Arusha", "Arusha", 10), ("Mwanza", "Mwanza", 10),
          ("Dodoma", "Dodoma", 9), ("Mbeya", "Mbeya", 6), ("Morogoro", "Morogoro", 6), ("Tanga", "Tanga", 5),
          ("Zanzibar", "Mjini Magharibi", 6), ("Moshi", "Kilimanjaro", 5), ("Iringa", "Iringa", 3)]
# mobile prefixes (after 0) and the wallet Selcom reports for them
NETWORKS = [("74", "MPESA"), ("75", "MPESA"), ("76", "MPESA"), ("71", "TIGOPESA"), ("65", "TIGOPESA"),
            ("67", "TIGOPESA"), ("68", "AIRTELMONEY"), ("69", "AIRTELMONEY"), ("78", "AIRTELMONEY"),
            ("62", "HALOPESA")]
UNIVERSITIES = ["University of Dar es Salaam", "Sokoine University of Agriculture", "Ardhi University",
                "Mzumbe University", "Institute of Finance Management", "St. Augustine University of Tanzania",
                "Muhimbili University of Health and Allied Sciences", "Dar es Salaam Institute of Technology",
                "The Nelson Mandela African Institution of Science and Technology", "College of Business Education",
                "University of Dodoma", "Open University of Tanzania"]
ROLES = [
    {"en": "Accountant", "sw": "Mhasibu", "area": "Accounting and Finance", "type": "Bachelor",
     "employers": ["CRDB Bank", "NMB Bank", "Bakhresa Group", "PwC Tanzania", "Tanzania Revenue Authority"],
     "skills": ["IFRS", "QuickBooks", "Tally ERP", "Financial reporting", "Tax compliance", "Excel"],
     "work_en": ["Prepared monthly management accounts for {n} branches",
                 "Reconciled mobile money collections worth TZS {m} million a month"],
     "work_sw": ["Niliandaa taarifa za fedha za kila mwezi kwa matawi {n}",
                 "Nilisimamia ulinganishaji wa makusanyo ya simu ya TZS milioni {m} kwa mwezi"]},
    {"en": "Registered Nurse", "sw": "Muuguzi", "area": "Nursing", "type": "Diploma",
     "employers": ["Muhimbili National Hospital", "Aga Khan Hospital", "Bugando Medical Centre",
                   "Mnazi Mmoja Hospital", "KCMC"],
     "skills": ["Patient care", "Maternal health", "Triage", "HIV counselling", "Medical records"],
     "work_en": ["Cared for up to {n} patients a shift in a busy maternity ward",
                 "Trained {n} junior nurses in infection prevention"],
     "work_sw": ["Nilihudumia wagonjwa hadi {n} kwa zamu katika wodi ya wazazi",
                 "Niliwafundisha wauguzi wapya {n} kuhusu kuzuia maambukizi"]},
    {"en": "Software Developer", "sw": "Msanidi Programu", "area": "Computer Science", "type": "Bachelor",
     "employers": ["Selcom", "Vodacom Tanzania", "Azam Media", "Smart Codes", "Maxcom Africa"],
     "skills": ["Python", "JavaScript", "React", "PostgreSQL", "AWS", "USSD apps", "Mobile money APIs"],
     "work_en": ["Built a payments API handling {n} thousand transactions a day",
                 "Cut page load time by {n}% for a news site with {m} thousand readers"],
     "work_sw": ["Nilitengeneza API ya malipo inayopokea miamala elfu {n} kwa siku",
                 "Nilipunguza muda wa kufungua kurasa kwa asilimia {n}"]},
    {"en": "Secondary School Teacher", "sw": "Mwalimu wa Sekondari", "area": "Education (Science)",
     "type": "Bachelor", "employers": ["Azania Secondary School", "Jangwani Girls Secondary School",
                                       "Feza Boys Secondary School", "Ilboru Secondary School"],
     "skills": ["Mathematics", "Physics", "Lesson planning", "Exam preparation", "Kiswahili"],
     "work_en": ["Raised the form four mathematics pass rate from {n}% to {m}%",
                 "Ran the school science club with {n} students"],
     "work_sw": ["Niliongeza kiwango cha ufaulu wa hisabati kidato cha nne kutoka asilimia {n} hadi {m}",
                 "Niliongoza klabu ya sayansi yenye wanafunzi {n}"]},
    {"en": "Procurement Officer", "sw": "Afisa Manunuzi", "area": "Procurement and Supply", "type": "Bachelor",
     "employers": ["Tanzania Ports Authority", "TANESCO", "Kilombero Sugar Company", "Tanzania Breweries"],
     "skills": ["Public procurement (PPRA)", "Tendering", "Contract management", "Inventory", "SAP"],
     "work_en": ["Managed tenders worth TZS {m} million a year", "Reduced stock-outs by {n}%"],
     "work_sw": ["Nilisimamia zabuni zenye thamani ya TZS milioni {m} kwa mwaka",
                 "Nilipunguza upungufu wa bidhaa ghalani kwa asilimia {n}"]},
    {"en": "Sales Executive", "sw": "Afisa Mauzo", "area": "Marketing", "type": "Diploma",
     "employers": ["Serengeti Breweries", "Coca-Cola Kwanza", "Airtel Tanzania", "Jubilee Insurance"],
     "skills": ["Field sales", "Customer relations", "Negotiation", "CRM", "Route planning"],
     "work_en": ["Grew monthly sales in my territory by {n}%", "Opened {n} new retail outlets"],
     "work_sw": ["Niliongeza mauzo ya kila mwezi kwa asilimia {n}", "Nilifungua maduka mapya {n} ya rejareja"]},
    {"en": "Civil Engineer", "sw": "Mhandisi wa Ujenzi", "area": "Civil Engineering", "type": "Bachelor",
     "employers": ["TANROADS", "Estim Construction", "China Railway 15 Bureau", "DAWASA"],
     "skills": ["AutoCAD", "Site supervision", "Road design", "Quantity surveying", "HSE"],
     "work_en": ["Supervised {n} km of regional road works", "Kept a TZS {m} million project on budget"],
     "work_sw": ["Nilisimamia ujenzi wa barabara ya kilomita {n}",
                 "Nilihakikisha mradi wa TZS milioni {m} unakamilika ndani ya bajeti"]},
    {"en": "Hotel Receptionist", "sw": "Mhudumu wa Mapokezi", "area": "Hospitality and Tourism",
     "type": "Certificate", "employers": ["Serena Hotel", "Hyatt Regency Dar es Salaam", "Zanzibar Beach Resort",
                                          "Arusha Coffee Lodge"],
     "skills": ["Guest relations", "Opera PMS", "English", "French", "Cash handling"],
     "work_en": ["Checked in up to {n} guests a day", "Kept a {n}% positive guest review score"],
     "work_sw": ["Nilipokea wageni hadi {n} kwa siku", "Nilidumisha tathmini chanya ya wageni ya asilimia {n}"]},
    {"en": "Agronomist", "sw": "Afisa Kilimo", "area": "Agronomy", "type": "Bachelor",
     "employers": ["One Acre Fund", "Kilombero Plantations", "Tanzania Agricultural Research Institute",
                   "Yara Tanzania"],
     "skills": ["Crop protection", "Soil testing", "Farmer training", "Irrigation", "Data collection"],
     "work_en": ["Trained {n} smallholder farmers in maize and bean husbandry",
                 "Raised average yields by {n}% across {m} villages"],
     "work_sw": ["Niliwafundisha wakulima wadogo {n} kilimo bora cha mahindi na maharage",
                 "Niliongeza mavuno kwa asilimia {n} katika vijiji {m}"]},
]
SUMMARY_EN = ("{label} with {years} years of experience in {city}. Reliable, organised and keen to grow "
              "with a strong team.")
SUMMARY_SW = "{label} mwenye uzoefu wa miaka {years} jijini {city}. Mchapakazi, mwaminifu na ninayependa kujifunza."


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.seed", description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=90, help="how many days of history (default 90)")
    parser.add_argument("--users", type=int, default=150, help="users who register (default 150)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--url", default=f"http://127.0.0.1:{os.environ.get('PORT') or 3000}",
                        help="the running local stack (default http://127.0.0.1:$PORT or 3000)")
    args = parser.parse_args(argv)
    if args.days < 1 or args.users < 1:
        parser.error("--days and --users must be at least 1")
    return args


# ---------------------------------------------------------------- the stack
def stack_info(url: str) -> dict:
    try:
        reply = requests.get(f"{url.rstrip('/')}/_local/info", timeout=10)
    except requests.RequestException:
        raise SystemExit(f"no local stack answers at {url}: start it with `make dev` "
                         "(or pass --url of a running one)") from None
    if reply.status_code != 200:
        raise SystemExit(f"{url}/_local/info answered {reply.status_code}: is this the local stack (make dev)?")
    return reply.json()["data"]


def connect(info: dict) -> None:
    """This process uses the stack's emulator and resources, as its functions do."""
    template = load_template()
    resolver = Resolver(template, info["resources"], info["region"])
    os.environ.update(global_environment(template, resolver))
    os.environ["BCRYPT_ROUNDS"] = os.environ.get("SEED_BCRYPT_ROUNDS", "4")  # demo passwords, fast
    os.environ.setdefault("JWT_SECRET", "seed-" + uuid.uuid4().hex)  # tokens made here are thrown away
    os.environ["POWERTOOLS_LOG_LEVEL"] = os.environ.get("SEED_LOG_LEVEL", "ERROR")  # a line per user is noise here
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "CvChapChapSeed")
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
    point_boto3_at(info["moto_endpoint"], info["region"])
    for fn in template.functions.values():
        for folder in [*fn.layers, fn.code_uri]:
            if str(folder) not in sys.path:
                sys.path.insert(0, str(folder))
    from chapchap.observability import metrics

    metrics.add_metric = lambda **_: None  # EMF lines are for CloudWatch; here they would only flood stdout


# ---------------------------------------------------------------- making things up
class Maker:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def person(self) -> dict:
        rng = self.rng
        sex = rng.choice("fm")
        first, last = rng.choice(FIRST[sex]), rng.choice(LAST)
        prefix, wallet = rng.choice(NETWORKS)
        while True:
            rest = f"{rng.randrange(10_000_000):07d}"
            if rest[-4:] not in ("0001", "0002", "0003", "0004"):  # the Selcom simulator's outcomes
                break
        city = rng.choices(CITIES, weights=[c[2] for c in CITIES])[0]
        return {"first": first, "last": last, "name": f"{first} {last}", "phone": f"0{prefix}{rest}",
                "wallet": wallet, "city": city[0], "region": city[1], "role": rng.choice(ROLES),
                "swahili": rng.random() < 0.4, "years": rng.randint(1, 12)}

    def resume(self, p: dict, *, variant: int = 0) -> dict:
        rng, role = self.rng, p["role"]
        sw = p["swahili"]
        label = role["sw"] if sw else role["en"]
        this_year = 2026
        work, start = [], this_year - p["years"]
        employers = rng.sample(role["employers"], k=min(len(role["employers"]), rng.randint(1, 3)))
        for i, employer in enumerate(employers):
            begin = start + i * max(1, p["years"] // len(employers))
            lines = role["work_sw" if sw else "work_en"]
            entry = {"name": employer, "position": label, "startDate": f"{begin}-{rng.randint(1, 12):02d}",
                     "highlights": [line.format(n=rng.randint(5, 60), m=rng.randint(20, 900)) for line in lines]}
            if i < len(employers) - 1:
                entry["endDate"] = f"{begin + 1}-{rng.randint(1, 12):02d}"
            work.insert(0, entry)
        graduated = start - rng.randint(0, 2)
        resume = {
            "basics": {
                "name": p["name"], "label": label,
                "email": f"{p['first'].lower()}.{p['last'].lower()}@example.co.tz",
                "phone": f"+255 {p['phone'][1:4]} {p['phone'][4:7]} {p['phone'][7:]}",
                "summary": (SUMMARY_SW if sw else SUMMARY_EN).format(label=label, years=p["years"], city=p["city"]),
                "location": {"city": p["city"], "region": p["region"], "countryCode": "TZ"},
            },
            "work": work,
            "education": [{"institution": rng.choice(UNIVERSITIES), "area": role["area"], "studyType": role["type"],
                           "startDate": f"{graduated - 3}-10", "endDate": f"{graduated}-07"}],
            "skills": [{"name": s} for s in rng.sample(role["skills"], k=min(4, len(role["skills"])))],
            "languages": [{"language": "Kiswahili", "fluency": "Lugha ya kwanza" if sw else "Native speaker"},
                          {"language": "English", "fluency": "Fasaha" if sw else "Fluent"}],
            "references": [{"name": "Inapatikana ikihitajika" if sw else "Available on request"}],
        }
        if rng.random() < 0.3:
            resume["basics"]["profiles"] = [{"network": "LinkedIn",
                                             "username": f"{p['first'].lower()}-{p['last'].lower()}"}]
        if variant:
            resume["skills"].append({"name": rng.choice(["Leadership", "Uongozi", "Teamwork", "Time management"])})
        return resume


def moment(day: date, rng: random.Random) -> datetime:
    """An instant of a business day: mostly office and evening hours, a few near midnight."""
    if rng.random() < 0.08:
        hour, minute = rng.choice([(23, rng.randint(0, 59)), (0, rng.randint(0, 45))])
    else:
        hour = rng.choices(range(7, 23), weights=[2, 5, 8, 9, 9, 8, 6, 6, 7, 7, 6, 6, 7, 6, 4, 2])[0]
        minute = rng.randint(0, 59)
    local = datetime(day.year, day.month, day.day, hour, minute, rng.randint(0, 59), tzinfo=DAR)
    return local.astimezone(timezone.utc)


# ---------------------------------------------------------------- the simulation
class Seeder:
    def __init__(self, args: argparse.Namespace, info: dict) -> None:
        from chapchap.templates import catalog

        self.args, self.info = args, info
        self.rng = random.Random(args.seed)
        self.make = Maker(self.rng)
        self.end = datetime.now(timezone.utc) - timedelta(minutes=2)
        self.events: list[tuple[datetime, int, str, object]] = []
        self.done: Counter = Counter()
        self.failed: Counter = Counter()
        self.errors: list[str] = []
        self.payments: Counter = Counter()
        self.downloads: Counter = Counter()
        self.cv_registry: list[dict] = []
        self.revenue = 0
        self.templates = [t["id"] for t in catalog.public_templates()]
        if not self.templates:
            raise SystemExit("the stack has no active template (the local stack seeds the starter ones)")
        self.people: list[dict] = []
        self.users: list[dict] = []
        self.batch = ""

    def _batch_tag(self) -> str:
        """Emails of this run: the seed and the number of users before it (read, never written:
        the counter moves with every registration), so running again adds another batch."""
        return f"s{self.args.seed}b{int(totals().get('users', 0))}"

    def moment(self, day: date) -> datetime:
        """An instant of that business day, in the past even when the day is today."""
        when = moment(day, self.rng)
        return when if when <= self.end else self.end - timedelta(minutes=self.rng.randint(1, 90))

    def at(self, when: datetime, kind: str, action) -> None:
        if when <= self.end:
            self.events.append((when, len(self.events), kind, action))

    # ------------------------------------------------------------ planning
    def plan(self) -> None:
        rng, days = self.rng, self.args.days
        first_day = (self.end.astimezone(DAR).date()) - timedelta(days=days - 1)
        all_days = [first_day + timedelta(days=i) for i in range(days)]
        weights = [(1 + 1.5 * i / days) * (0.7 if d.weekday() >= 5 else 1.0) for i, d in enumerate(all_days)]
        signups = sorted(rng.choices(range(days), weights=weights, k=self.args.users))
        for n, day_index in enumerate(signups):
            self.plan_user(n, all_days[day_index])
        for _ in range(max(1, self.args.users // 4)):  # visitors who never register
            day = all_days[rng.choices(range(days), weights=weights)[0]]
            self.plan_visitor(day)

    def plan_visitor(self, day: date) -> None:
        p = self.make.person()
        owner = self._anon_owner()
        resume = self.make.resume(p)
        template = self.rng.choice(self.templates)
        self.at(self.moment(day), "anonymous CV", lambda: self.create_cv(owner, template, resume, None))

    def _anon_owner(self):
        from chapchap.data.cvs import Owner

        return Owner("anon", str(uuid.UUID(int=self.rng.getrandbits(128), version=4)))

    def plan_user(self, n: int, day: date) -> None:
        rng = self.rng
        p = self.make.person()
        p["local"] = f"{p['first'].lower()}.{p['last'].lower()}{n}"
        self.people.append(p)
        user: dict = {"person": p, "cvs": []}
        self.users.append(user)
        registered = self.moment(day)
        anonymous_first = rng.random() < 0.6
        anon = self._anon_owner() if anonymous_first else None
        cvs = [{"template": rng.choice(self.templates), "resume": self.make.resume(p, variant=i), "record": None,
                "title": None if rng.random() < 0.6 else rng.choice(
                    [f"{p['role']['en']} - {p['city']}", f"CV ya {p['first']}", f"{p['name']} (2026)"])}
               for i in range(rng.choices([1, 2, 3], weights=[60, 30, 10])[0])]
        user["cvs"] = cvs
        self.cv_registry += cvs
        if anonymous_first:
            made = registered - timedelta(minutes=rng.randint(5, 240))
            self.at(made, "anonymous CV", lambda: cvs[0].__setitem__(
                "record", self.create_cv(anon, cvs[0]["template"], cvs[0]["resume"], cvs[0]["title"])))
        self.at(registered, "registration", lambda: self.register(user, anon))
        last_cv_at = registered
        for i, cv in enumerate(cvs):
            if i == 0 and anonymous_first:
                continue
            when = registered + timedelta(minutes=rng.randint(2, 60 * 24 * 3))
            last_cv_at = max(last_cv_at, when)
            self.at(when, "CV", lambda cv=cv: cv.__setitem__(
                "record", self.create_cv(user.get("owner"), cv["template"], cv["resume"], cv["title"])))
        for cv in cvs:  # edits on later days
            for _ in range(rng.choices([0, 1, 2, 3], weights=[45, 30, 15, 10])[0]):
                when = last_cv_at + timedelta(minutes=rng.randint(10, 60 * 24 * 10))
                self.at(when, "CV edit", lambda cv=cv: self.edit_cv(user, cv))
        if rng.random() < 0.12:
            when = last_cv_at + timedelta(hours=rng.randint(1, 72))
            self.at(when, "CV copy", lambda: self.copy_cv(user, delete_after=rng.random() < 0.4))
        signins = sorted(registered + timedelta(days=rng.randint(1, 30), minutes=rng.randint(0, 600))
                         for _ in range(rng.choices(range(9), weights=[15, 20, 18, 14, 10, 8, 6, 5, 4])[0]))
        for when in signins:
            self.at(moment(when.astimezone(DAR).date(), rng), "sign-in", lambda: self.sign_in(user))
        if rng.random() < 0.55:
            self.plan_payment(user, rng.choice(cvs), last_cv_at)

    def plan_payment(self, user: dict, cv: dict, after: datetime) -> None:
        rng = self.rng
        outcome = rng.choices(["completed", "failed", "cancelled", "expired", "pending"],
                              weights=[64, 12, 10, 8, 6])[0]
        method = "card" if rng.random() < 0.2 else "mobile_money"
        start = after + timedelta(minutes=rng.randint(5, 60 * 24 * 4))
        if outcome == "pending":  # still open: only recent ones
            start = self.end - timedelta(minutes=rng.randint(10, 20 * 60))
        if outcome == "expired":
            start = min(start, self.end - timedelta(hours=26))
        if start <= after:
            start = after + timedelta(minutes=3)
        self.at(start, "payment", lambda: self.pay(user, cv, method, outcome))
        if outcome in ("failed", "cancelled") and rng.random() < 0.6:  # tries again and pays
            again = start + timedelta(minutes=rng.randint(3, 90))
            self.at(again, "payment", lambda: self.pay(user, cv, "mobile_money", "completed"))

    # ------------------------------------------------------------ actions (domain code only)
    def create_cv(self, owner, template_id: str, resume: dict, title: str | None):
        from chapchap.cvs import editing as cvs
        from chapchap.models.cv import CvCreateIn

        if owner is None:
            return None
        record = cvs.create(owner, CvCreateIn(template_id=template_id, title=title, content=resume))
        return {"id": record["id"], "owner": owner}

    def register(self, user: dict, anon) -> None:
        from chapchap.auth import accounts
        from chapchap.data.cvs import Owner
        from chapchap.models.auth import RegisterIn

        p = user["person"]
        body = RegisterIn(full_name=p["name"], email=p["email"], password=DEMO_PASSWORD,
                          phone_number=p["phone"] if self.rng.random() < 0.85 else None,
                          anonymous_id=anon.id if anon else None)
        result = accounts.register(body)
        user["record"] = result["user"]
        user["owner"] = Owner("user", result["user"]["id"])
        if anon and user["cvs"][0]["record"]:
            user["cvs"][0]["record"]["owner"] = user["owner"]  # handed over with the registration
            self.done["CV handed over"] += 1

    def edit_cv(self, user: dict, cv: dict) -> None:
        from chapchap.cvs import editing as cvs
        from chapchap.models.cv import CvUpdateIn

        if not cv["record"] or not user.get("owner"):
            return
        content = cv["resume"]
        content["work"][0]["highlights"] = content["work"][0].get("highlights", [])[:2] + [
            self.rng.choice(["Employee of the month", "Mfanyakazi bora wa mwezi", "Led a team of five",
                             "Certified in first aid", "Completed a management course"])]
        cvs.update(user["owner"], cv["record"]["id"], CvUpdateIn(content=content))

    def copy_cv(self, user: dict, *, delete_after: bool) -> None:
        from chapchap.cvs import editing as cvs

        source = next((c for c in user["cvs"] if c["record"]), None)
        if not source or not user.get("owner"):
            return
        copy = cvs.duplicate(user["owner"], source["record"]["id"])
        if delete_after:
            cvs.delete(user["owner"], copy["id"])
            self.done["CV deleted"] += 1

    def sign_in(self, user: dict) -> None:
        from chapchap.auth import accounts
        from chapchap.models.auth import LoginIn

        if not user.get("record"):
            return
        accounts.login(LoginIn(email=user["person"]["email"], password=DEMO_PASSWORD),
                       source_ip=f"196.249.{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}")

    def pay(self, user: dict, cv: dict, method: str, outcome: str) -> None:
        """A payment as initiate records it, then the end Selcom's answer would give it."""
        from chapchap import clock
        from chapchap.payments import confirm, reconcile
        from chapchap.templates import catalog
        from chapchap.data import payments as pay_data
        from chapchap.data import cvs as cv_data
        from chapchap.data import table, templates

        if not cv["record"] or not user.get("record"):
            return
        stored_cv = cv_data.get(cv["record"]["id"], consistent=True)
        if not stored_cv or stored_cv.get("is_paid") or stored_cv.get("user_id") != user["record"]["id"]:
            return
        p = user["person"]
        price = catalog.price_of(templates.get(stored_cv["template_id"]) or {})
        reference = pay_data.new_reference()
        payment = pay_data.new_payment(reference=reference, user=user["record"], cv=stored_cv,
                                       amount=price["amount"], currency=price["currency"], method=method,
                                       phone="255" + p["phone"][1:])
        table.transact([table.put_op(payment, condition="attribute_not_exists(pk)")])
        started = clock.now()
        later = self.rng.randint(40, 400)
        if outcome == "completed":
            self._shift(started + timedelta(seconds=later))
            confirm.complete(payment, transaction_id=f"{self.rng.randrange(10**9, 10**10)}",
                             channel="CARD" if method == "card" else p["wallet"],
                             selcom_reference=f"{self.rng.randrange(10**9, 10**10)}", source="seed")
            self.revenue += payment["amount"]
            done = pay_data.get(reference)
            if done and done.get("completed_at"):
                cv["paid_at"] = clock.parse_iso(done["completed_at"])
                cv["paid_by"] = user
        elif outcome == "failed":
            self._shift(started + timedelta(seconds=later))
            table.transact([pay_data.leave_pending_op(reference, "failed", selcom_status="REJECTED")])
        elif outcome == "cancelled":
            self._shift(started + timedelta(seconds=later))
            table.transact([pay_data.leave_pending_op(reference, "cancelled", selcom_status="USERCANCELLED")])
        elif outcome == "expired":  # reconciliation expires what stays pending for a day
            self._shift(started + reconcile.EXPIRE_AFTER + timedelta(minutes=self.rng.randint(1, 5)))
            table.transact([pay_data.leave_pending_op(reference, "expired")])
        self.payments[outcome] += 1

    def download(self, user: dict, cv: dict) -> None:
        from chapchap.payments import downloads

        result = downloads.download(user["record"], cv["record"]["id"])
        self.downloads["ready" if isinstance(result, downloads.Ready) else "rendering"] += 1

    # ------------------------------------------------------------ running
    def _shift(self, when: datetime) -> None:
        from chapchap import clock

        when = min(when, self.end)  # a payment settled minutes after the last event stays in the past
        clock.now = lambda: when  # noqa: E731 - the domain reads the time through this function

    def execute(self, events: list) -> None:
        from chapchap import clock

        real_now = clock.now
        ordered = sorted(events, key=lambda e: (e[0], e[1]))
        step = max(100, len(ordered) // 10)
        try:
            for n, (when, _, kind, action) in enumerate(ordered, 1):
                if n % step == 0:
                    print(f"  {n}/{len(ordered)} {kind}s ... up to {when:%Y-%m-%d}" if kind == "download" else
                          f"  {n}/{len(ordered)} events, up to {when:%Y-%m-%d}", flush=True)
                self._shift(when)
                try:
                    action()
                    self.done[kind] += 1
                except Exception as exc:  # noqa: BLE001 - counted and shown; the rest goes on
                    self.failed[kind] += 1
                    if len(self.errors) < 5:
                        self.errors.append(f"{kind} at {when:%Y-%m-%d %H:%M}Z: {type(exc).__name__}: {exc}")
        finally:
            clock.now = real_now

    def example(self) -> dict | None:
        """A seeded user to sign in as: one who paid, else any who registered."""
        registered = [u for u in self.users if u.get("record")]
        paid = [u for u in registered if any(cv.get("paid_at") for cv in u["cvs"])]
        return (paid or registered or [None])[0]

    def plan_downloads(self) -> list:
        """Downloads of paid CVs, after their PDFs were rendered by the stack's queue consumer."""
        events = []
        for cv in self.cv_registry:
            if not cv.get("paid_at") or self.rng.random() < 0.15:
                continue
            for _ in range(self.rng.choices([1, 2, 3], weights=[60, 30, 10])[0]):
                when = cv["paid_at"] + timedelta(minutes=self.rng.randint(2, 60 * 24 * 5))
                if when <= self.end:
                    events.append((when, len(events), "download", lambda cv=cv: self.download(cv["paid_by"], cv)))
        return events

    def go(self) -> dict:
        started = time.monotonic()
        self.plan()
        self.batch = self._batch_tag()
        for person in self.people:
            person["email"] = f"{person['local']}@demo-{self.batch}.co.tz"
        print(f"seeding batch {self.batch} into {self.args.url}: {self.args.users} users "
              f"over {self.args.days} days, {len(self.events)} events ...", flush=True)
        self.execute(self.events)
        drained = self._post("/_local/queues/drain?timeout=120", timeout=130)
        self.execute(self.plan_downloads())
        self._post("/_local/state/save", timeout=60)
        return {"seconds": time.monotonic() - started,
                "drained": bool(drained and drained.get("drained"))}

    def _post(self, path: str, *, timeout: float) -> dict | None:
        try:
            reply = requests.post(f"{self.args.url.rstrip('/')}{path}", timeout=timeout)
            return reply.json().get("data") if reply.status_code == 200 else None
        except (requests.RequestException, ValueError):
            return None


def totals() -> dict:
    from chapchap.data import counters

    return counters.read([counters.total_key()]).get(counters.total_key(), {})


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    info = stack_info(args.url)
    connect(info)
    before = totals()
    seeder = Seeder(args, info)
    outcome = seeder.go()
    after = totals()
    done, pays = seeder.done, seeder.payments
    moved = {k: int(after.get(k, 0)) - int(before.get(k, 0))
             for k in ("users", "cvs", "paid_cvs", "revenue", "downloads")}
    lines = [
        f"seeded batch {seeder.batch} in {outcome['seconds']:.1f} s "
        f"(users: <first>.<last><n>@demo-{seeder.batch}.co.tz, password {DEMO_PASSWORD})",
        f"  users       {done['registration']} registered ({done['CV handed over']} brought an anonymous CV), "
        f"{done['sign-in']} later sign-ins",
        f"  CVs         {done['CV'] + done['anonymous CV'] + done['CV copy']} created "
        f"({done['anonymous CV']} anonymously, {done['CV copy']} copies, {done['CV deleted']} deleted), "
        f"{done['CV edit']} edits",
        "  payments    " + ", ".join(f"{pays[s]} {s}"
                                      for s in ("completed", "failed", "cancelled", "expired", "pending"))
        + f"  (total {sum(pays.values())})",
        f"  revenue     TZS {seeder.revenue:,}",
        f"  downloads   {seeder.downloads['ready']}" + (
            f" (+{seeder.downloads['rendering']} asked while the PDF was still rendering)"
            if seeder.downloads["rendering"] else ""),
        "  counters    " + ", ".join(f"{k} +{v:,}" for k, v in moved.items()) + "  (COUNTER#TOTAL, shards added up)",
    ]
    example = seeder.example()
    if example:
        lines.append(f"  sign in as  {example['person']['email']} / {DEMO_PASSWORD}")
    if not outcome["drained"]:
        lines.append("  note        the PDF queue did not drain in time (LOCAL_CONSUMERS=off?): "
                     "some downloads were answered 202")
    if seeder.failed:
        lines.append("  failed      " + ", ".join(f"{k}: {v}" for k, v in seeder.failed.items()))
        lines += [f"    {e}" for e in seeder.errors]
    print("\n".join(lines))
    return 1 if seeder.failed else 0


if __name__ == "__main__":
    sys.exit(main())
