"""Words: normalising, stop words (English and Swahili), light stemming, action verbs and
the weak phrases that hide them. Plain data and string functions; nothing imported."""
from __future__ import annotations

import re
import unicodedata

_TOKEN = re.compile(r"[a-z0-9][a-z0-9+#]*(?:\.[a-z0-9]+)*")


def fold(text: str) -> str:
    """Lower case without accents: `Résumé` -> `resume`, `Ç` -> `c`."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tokens(text: str) -> list[str]:
    """Words of `text`, folded; `c++`, `c#`, `node.js` stay whole."""
    return _TOKEN.findall(fold(text))


def stem(word: str) -> str:
    """Simple plural and suffix folding, so `managers`, `manager`, `managing` and `managed`
    meet: enough for keyword matching, no dictionary. Short words are left alone."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, replacement in (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch"), ("shes", "sh")):
        if word.endswith(suffix):
            return stem(word[: -len(suffix)] + replacement) if len(word) - len(suffix) >= 3 else word
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed", "er", "ment", "ion"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "ls":
                word = word[:-1]  # planned -> plann -> plan
            break
    return word.rstrip("e") if len(word) > 4 else word


# Words that carry no meaning of their own in a job description. English: the usual list;
# Swahili: connectives, pronouns, auxiliaries and the words every advert repeats.
STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each etc few for from further had has have
having he her here hers herself him himself his how i if in into is it its itself just me more most my
myself no nor not now of off on once only or other our ours ourselves out over own same she should so
some such than that the their theirs them themselves then there these they this those through to too
under until up very was we were what when where which while who whom why will with would you your
yours yourself yourselves us must may might shall within without across per via including include
includes ability able strong good excellent well new work working job role candidate candidates
position applicant applicants looking seeking required requirement requirements preferred plus
experience years year responsibilities responsibility duties duty team company opportunity apply
na ya wa la za kwa katika ni si kama au lakini pia hii hiyo huyo hizi hao yeye wao sisi mimi wewe
ninyi yako yangu wake wetu wenu wao kuwa kwamba ili hadi mpaka baada kabla bila juu chini ndani nje
kati zaidi sana tu kila wote yote zote vyote nyingi mengi wengi moja mbili pamoja pale hapa huko
kuna hakuna yupo ipo zipo ambaye ambao ambayo ambacho ambavyo ambalo ambazo ambapo amba cha vya kwenye
mwombaji waombaji nafasi kazi uzoefu miaka mwaka tafadhali omba maombi kampuni mwenye wenye
""".split())


_WORD = re.compile(r"[^\W_][\w+#]*(?:\.[^\W_]+)*")


def keywords_of(text: str) -> list[str]:
    """The meaningful words of `text` in order, folded, without stop words or numbers."""
    return [folded for folded, _ in keywords_as_written(text)]


def keywords_as_written(text: str) -> list[tuple[str, str]]:
    """(folded, as written) of each meaningful word of `text`, in order."""
    found = []
    for word in _WORD.findall(text):
        folded = fold(word)
        if folded not in STOP_WORDS and not folded.isdigit() and len(folded) > 1:
            found.append((folded, word))
    return found


# Bullets that start with one of these (in any form) say what the person did.
ACTION_VERBS = frozenset("""
achieve administer advise analyse analyze arrange assemble assess audit automate build calculate
chair coach collaborate collect complete conduct configure consolidate construct consult coordinate
create cut debug decrease defend define deliver design detect develop devise diagnose direct double
draft drive earn edit educate eliminate enable engineer establish evaluate exceed expand facilitate
forecast form found generate grow guide halve handle head hire identify implement improve increase
initiate inspect install instruct integrate interview introduce invent investigate launch lead
lower maintain manage map market maximise maximize measure mentor merge migrate minimise minimize
model modernise modernize monitor motivate negotiate operate optimise optimize orchestrate organise
organize oversee partner pilot pioneer plan prepare present prevent prioritise prioritize process
produce program programme promote propose protect prototype provide publish raise rebuild recommend
reconcile recruit redesign reduce refactor reform regulate remodel reorganise reorganize repair
replace report represent research resolve restore restructure revamp review revise run save scale
schedule secure sell serve set ship simplify solve spearhead speak standardise standardize start
steer streamline strengthen structure supervise supply support survey sustain teach test train
transform translate triple troubleshoot tutor unify upgrade validate verify win write
""".split())
IRREGULAR_PAST = {"led": "lead", "built": "build", "ran": "run", "grew": "grow", "won": "win", "wrote": "write",
                  "taught": "teach", "drove": "drive", "sold": "sell", "made": "make", "began": "begin",
                  "brought": "bring", "oversaw": "oversee", "spoke": "speak", "held": "hold", "bought": "buy",
                  "chose": "choose", "gave": "give", "founded": "found", "kept": "keep", "sent": "send",
                  "cut": "cut", "set": "set", "spearheaded": "spearhead"}
# Swahili bullets that start with a past verb of the first person (`nili-`, "I ...") or an
# infinitive (`ku-`, "to ...") of one of these stems say what the person did.
SWAHILI_ACTION_STEMS = frozenset("""
ongoza simamia anzisha andaa boresha fundisha tengeneza uza pata shinda punguza ongeza jenga panga
buni kamilisha endesha hudumia saidia ratibu kusanya chambua tatua fanikisha zalisha elimisha
tafiti kagua rekebisha sanifu hakiki weka fungua unda simika pokea tunza dhibiti
""".split())

# Phrases that describe a duty instead of a result; the first word decides nothing here:
# they are found anywhere in a bullet.
WEAK_PHRASES = ("responsible for", "duties included", "duties include", "tasks included", "tasks include",
                "in charge of", "worked on", "helped with", "assisted with", "involved in", "participated in",
                "nilihusika na", "nilikuwa na jukumu", "majukumu yangu", "majukumu yalikuwa",
                "kazi zangu zilikuwa", "kazi zangu ni", "nilisaidia katika", "kuhusika na")


def _base_of(word: str) -> tuple[str | None, str]:
    """(base verb or None, tense: past / present / other) of an English first word."""
    if word in IRREGULAR_PAST:
        return IRREGULAR_PAST[word], "past"
    if word in ACTION_VERBS:
        return word, "present"
    candidates: list[tuple[str, str]] = []
    if word.endswith("ied"):
        candidates.append((word[:-3] + "y", "past"))
    if word.endswith("ed"):
        candidates += [(word[:-2], "past"), (word[:-1], "past")]
        if len(word) > 4 and word[-3] == word[-4]:
            candidates.append((word[:-3], "past"))  # planned
    if word.endswith("ies"):
        candidates.append((word[:-3] + "y", "present"))
    if word.endswith("es"):
        candidates.append((word[:-2], "present"))
    if word.endswith("s"):
        candidates.append((word[:-1], "present"))
    if word.endswith("ing"):
        candidates += [(word[:-3], "present"), (word[:-3] + "e", "present")]
        if len(word) > 5 and word[-4] == word[-5]:
            candidates.append((word[:-4], "present"))  # planning
    for base, tense in candidates:
        if base in ACTION_VERBS:
            return base, tense
    return None, "other"


def action_verb(text: str) -> tuple[bool, str]:
    """(starts with an action verb, its tense: past / present / other) of a bullet."""
    words = tokens(text)
    if not words:
        return False, "other"
    first = words[0]
    base, tense = _base_of(first)
    if base:
        return True, tense
    for prefix, tense in (("nili", "past"), ("tuli", "past"), ("ali", "past"), ("ku", "present"),
                          ("nina", "present"), ("ninai", "present")):
        if first.startswith(prefix) and first[len(prefix):] in SWAHILI_ACTION_STEMS:
            return True, tense
    return False, "other"


def weak_phrase(text: str) -> str | None:
    folded = " ".join(tokens(text))
    return next((p for p in WEAK_PHRASES if p in folded), None)


_NUMBER = re.compile(r"\d")


def quantified(text: str) -> bool:
    """A bullet with a figure: a number, a percentage, an amount (`TZS 2m`, `40%`, `3 branches`)."""
    return bool(_NUMBER.search(text))
