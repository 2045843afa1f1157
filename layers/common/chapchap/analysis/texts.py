"""What the findings say, in Swahili (the default) and English, written for each language as
the messages of chapchap/messages/texts.py are. `{name}` fields come from the finding."""
from __future__ import annotations

from typing import Any

from chapchap.messages.texts import DEFAULT_LOCALE, LOCALES

# rule id -> (English, Swahili)
TEXTS: dict[str, tuple[str, str]] = {
    "structure.missing_work": (
        "Add your work experience: employers read it first. Internships, volunteering and casual work count.",
        ("Ongeza uzoefu wako wa kazi: waajiri husoma sehemu hii kwanza. Mafunzo kwa vitendo, kujitolea na "
         "vibarua vinahesabika.")),
    "structure.missing_education": (
        "Add your education (school, college or university, and what you studied).",
        "Ongeza elimu yako (shule, chuo au chuo kikuu, na ulichosomea)."),
    "structure.missing_skills": (
        "Add a skills section: the words an employer's system searches for.",
        "Ongeza sehemu ya ujuzi: ndiyo maneno ambayo mifumo ya waajiri hutafuta."),
    "contact.missing_name": (
        "Write your full name at the top.",
        "Andika jina lako kamili juu kabisa."),
    "contact.missing_email": (
        "Add an email address employers can reach you at.",
        "Ongeza barua pepe ambayo waajiri wanaweza kukutumia."),
    "contact.bad_email": (
        "This email address does not look right: check it.",
        "Barua pepe hii haionekani sahihi: ikague."),
    "contact.missing_phone": (
        "Add a phone number, with its country code (+255 ...).",
        "Ongeza namba ya simu, pamoja na msimbo wa nchi (+255 ...)."),
    "contact.bad_phone": (
        "This phone number does not look complete: write it with the country code (+255 ...).",
        "Namba hii ya simu haionekani kamili: iandike pamoja na msimbo wa nchi (+255 ...)."),
    "contact.missing_location": (
        "Say where you live (at least the city): many jobs are local.",
        "Taja unapoishi (angalau mji): kazi nyingi ni za eneo husika."),
    "summary.missing": (
        "Add a short summary (2-4 sentences): who you are, what you are good at, what you want.",
        "Ongeza muhtasari mfupi (sentensi 2-4): wewe ni nani, unachokiweza, unachotafuta."),
    "summary.too_short": (
        "Your summary has {words} words: aim for 30 to 120.",
        "Muhtasari wako una maneno {words}: lenga maneno 30 hadi 120."),
    "summary.too_long": (
        "Your summary has {words} words: keep it under 120 so it is read.",
        "Muhtasari wako una maneno {words}: ufupishe chini ya 120 ili usomwe."),
    "verbs.weak_phrase": (
        ("\"{phrase}\" describes a duty, not what you achieved: start with an action verb (led, built, increased "
         "...)."),
        ("\"{phrase}\" linaeleza jukumu, si ulichofanikisha: anza na kitenzi cha kitendo (niliongoza, nilijenga, "
         "niliongeza ...).")),
    "verbs.no_action_verb": (
        "Start this point with an action verb (managed, trained, reduced ...).",
        "Anza jambo hili na kitenzi cha kitendo (nilisimamia, nilifundisha, nilipunguza ...)."),
    "verbs.no_highlights": (
        "List two to five things you achieved in this job.",
        "Orodhesha mambo mawili hadi matano uliyofanikisha katika kazi hii."),
    "quantified.none": (
        "No result has a number: add figures (customers served, % growth, money saved, team size).",
        ("Hakuna mafanikio yenye namba: ongeza takwimu (wateja uliowahudumia, asilimia ya ukuaji, fedha "
         "zilizookolewa, ukubwa wa timu).")),
    "quantified.low": (
        "Only {share}% of your points have a figure: add numbers where you can.",
        "Ni {share}% tu ya mambo yako yenye takwimu: ongeza namba pale unapoweza."),
    "dates.missing": (
        "Add when you started (and ended) here: month and year.",
        "Ongeza ulipoanza (na ulipomaliza) hapa: mwezi na mwaka."),
    "dates.end_before_start": (
        "The end date is before the start date.",
        "Tarehe ya kumaliza iko kabla ya tarehe ya kuanza."),
    "dates.future": (
        "This date is in the future.",
        "Tarehe hii iko siku zijazo."),
    "dates.gap": (
        ("A gap of {months} months before this job: say in a line what you did then (studies, family, your own "
         "business)."),
        ("Kuna pengo la miezi {months} kabla ya kazi hii: eleza kwa mstari mmoja ulichofanya wakati huo (masomo, "
         "familia, biashara yako).")),
    "length.too_long": (
        "About {pages} pages: two are enough; keep the last ten years and your best results.",
        "Takriban kurasa {pages}: mbili zinatosha; baki na miaka kumi iliyopita na mafanikio bora."),
    "length.too_thin": (
        "Only {words} words: describe your jobs, studies and skills in more detail.",
        "Maneno {words} tu: eleza kazi, masomo na ujuzi wako kwa undani zaidi."),
    "consistency.tense": (
        "A past job reads best in the past tense (\"managed\", not \"manage\").",
        "Kazi uliyokwisha kuiacha isomeke katika wakati uliopita (\"nilisimamia\", si \"ninasimamia\")."),
    "consistency.date_format": (
        "Write dates the same way throughout (for example year and month everywhere).",
        "Andika tarehe kwa namna moja kote (kwa mfano mwaka na mwezi kila mahali)."),
}


def message(rule: str, locale: str, params: dict[str, Any] | None = None) -> str:
    english, swahili = TEXTS[rule]
    text = english if (locale if locale in LOCALES else DEFAULT_LOCALE) == "en" else swahili
    return text.format(**(params or {}))
