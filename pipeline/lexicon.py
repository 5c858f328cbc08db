"""The domain vocabulary, shared by the gazetteer, the classifier's cue features and the
relevance filter, so the three can never disagree about who the actors are.

Actors are canonical names with their surface forms. Cues are regular expressions for the
three things a conflating or distinguishing passage does: name or describe a private pilot,
attribute something to the state, or draw the distinction.
"""
from __future__ import annotations

import re

# Canonical private-pilot actor -> surface forms (matched case-insensitively, whole words).
PRIVATE_PILOTS: dict[str, tuple[str, ...]] = {
    "Sesame Credit": ("Sesame Credit", "Zhima Credit", "Zhima Xinyong", "Sesame Score", "Sesame Credit Score",
                      "Zhima score", "Sesame credit score", "芝麻信用"),
    "Ant Financial": ("Ant Financial", "Ant Financial Services", "Ant Financial Services Group", "Ant Group",
                      "Ant Financial Group", "蚂蚁金服", "蚂蚁集团"),
    "Alipay": ("Alipay", "支付宝"),
    "Alibaba": ("Alibaba", "Alibaba Group", "Alibaba Corp", "阿里巴巴"),
    "Tencent Credit": ("Tencent Credit", "Tencent Credit Score", "Tencent's credit score", "腾讯信用"),
    "Tencent": ("Tencent", "Tencent Holdings"),
    "Baihe": ("Baihe", "Baihe.com", "百合网"),
    "Didi": ("Didi", "Didi Chuxing"),
    "China Rapid Finance": ("China Rapid Finance",),
    "Koala Credit": ("Koala Credit", "Kaola Credit", "Lakala", "Koala"),
    "Qianhai Credit": ("Qianhai Credit", "Qianhai Credit Services", "Tencent Credit Information"),
    "Pengyuan Credit": ("Pengyuan", "Pengyuan Credit", "Pengyuan Credit Services"),
    "Intellicredit": ("Intellicredit", "Intelligence Credit", "Zhicheng Credit"),
    "Sino Credit": ("Sino Credit", "China Chengxin Credit", "Zhongchengxin"),
}

# Canonical state-system actor -> surface forms.
STATE_SYSTEM: dict[str, tuple[str, ...]] = {
    "Social Credit System": ("Social Credit System", "Social Credit Systems", "social credit scheme",
                             "social credit", "Social Credit Score", "social credit scores", "SCS", "社会信用体系",
                             "社会信用"),
    "State Council": ("State Council", "China's State Council", "国务院"),
    "People's Bank of China": ("People's Bank of China", "People’s Bank of China", "PBoC", "PBOC", "People's Bank",
                               "中国人民银行"),
    "NDRC": ("National Development and Reform Commission", "NDRC", "国家发展和改革委员会"),
    "Supreme People's Court": ("Supreme People's Court", "Supreme People’s Court", "最高人民法院"),
    "Blacklists": ("blacklist", "blacklists", "blacklisted", "black list", "black lists", "dishonest persons",
                   "dishonest person", "list of dishonest persons subject to enforcement", "dishonest judgment debtors",
                   "judgment defaulters", "laolai", "失信被执行人", "失信"),
    "Red lists": ("red list", "red lists", "redlist", "redlists"),
    "Credit China": ("Credit China", "creditchina.gov.cn", "信用中国"),
    "National Credit Information Sharing Platform": ("National Credit Information Sharing Platform",
                                                     "credit information sharing platform"),
    "Unified social credit code": ("unified social credit code", "unified social credit codes",
                                   "统一社会信用代码"),
    "Planning Outline": ("Planning Outline for the Construction of a Social Credit System", "Planning Outline",
                         "2014 Planning Outline"),
    "Rongcheng": ("Rongcheng",),
    "Suining": ("Suining",),
}

GAZETTEER_LABELS = {"PRIVATE_PILOT": PRIVATE_PILOTS, "STATE_SYSTEM": STATE_SYSTEM}


def _alternation(phrases) -> str:
    # Longest first so "Sesame Credit Score" wins over "Sesame Credit".
    # Deterministic order (the pattern is part of the cache key), longest first.
    escaped = sorted({re.escape(p) for p in phrases}, key=lambda p: (-len(p), p))
    return "|".join(escaped)


def _words(pattern: str) -> re.Pattern:
    return re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.IGNORECASE)


# Cue groups: name -> compiled regex. Each is one domain feature (count) and an evidence kind.
PRIVATE_NAME = _words(_alternation(f for forms in PRIVATE_PILOTS.values() for f in forms))
STATE_NAME = _words(_alternation(f for forms in STATE_SYSTEM.values() for f in forms))

PRIVATE_MECHANIC = _words(
    r"3[05]0\s*(?:to|-|–|and)\s*9[05]0|950|350\ points?|"
    r"video\s*games?|gaming\ habits|games?\ for\ (?:ten|10)\ hours|diapers|nappies|"
    r"friends?['’]?\s*(?:scores?|ratings?|behaviou?r)|(?:your|their|his|her)\ friends|who\ (?:you|they)\ (?:are\ )?friends?\ with|"
    r"social\ (?:connections|circles?|networks?)\ (?:affect|drag|lower|pull|hurt)\w*|interpersonal\ relationships|"
    r"dating\ (?:sites?|apps?|profiles?|platforms?|services?)|matchmaking|online\ dating|"
    r"deposit[-\s]free|without\ (?:a\ |paying\ (?:a\ )?)?deposits?|no\ deposits?|waive\w*\ deposits?|"
    r"vip\ (?:lanes?|treatment|security|check-?ins?|status)|priority\ (?:security|boarding|check-?in)|"
    r"visas?|singapore|luxembourg|"
    r"shopping\ habits|purchases?\ (?:history|habits)|what\ you\ buy|buying\ habits|online\ shopping|"
    r"behaviou?r(?:al)?\ preferences?|fulfil+ment\ capacity|personal\ characteristics|"
    r"rent(?:ing|al)?\ (?:a\ )?(?:cars?|bikes?|bicycles?|umbrellas?|power\ banks?)|hotel\ stays?|"
    r"credit\ scores?\ from\ (?:a\ )?(?:private|tech|internet)|loyalty\ (?:scheme|programme|program|points)|"
    r"score\ (?:goes|went|drops?|dropped|falls?|fell|rises?|rose)\ (?:up|down)?|bragging|show\ off\ (?:their|your)\ scores?"
)

STATE_REFERENCE = _words(
    r"governments?|government['’]s|state|state['’]s|party|party['’]s|communist|ccp|cpc|beijing|beijing['’]s|authorities|"
    r"officials?|official|national|nationwide|regime|xi\ jinping|ministr(?:y|ies)|"
    r"citizen\ scores?|citizens?['’]?\ (?:scores?|ratings?)|every\ citizen|all\ citizens|1\.4\ billion"
)

STATE_ATTRIBUTION = _words(
    r"(?:the\ )?(?:government|state|party|communist\ party|beijing|authorities)['’]s\ (?:own\ )?(?:scores?|system|ratings?|scheme|programme|program|social\ credit|credit\ system|pilots?)|"
    r"state[-\s](?:run|backed|approved|sanctioned|sponsored|owned|controlled|endorsed|licensed)|"
    r"government[-\s](?:run|backed|approved|sanctioned|sponsored|controlled|endorsed|licensed|mandated)|"
    r"party[-\s](?:run|backed|approved|sanctioned)|"
    r"under\ (?:the|china['’]s|beijing['’]s)\ (?:social\ credit\ )?(?:system|scheme|programme|program)|"
    r"(?:the\ )?(?:party|government|state|authorities|beijing)\ (?:will|would|plans?\ to|intends?\ to|wants?\ to)|"
    r"outsourc\w+|contracted|commissioned|tasked|on\ behalf\ of\ (?:the\ )?(?:government|state|party)|"
    r"pilots?\ (?:of|for)\ (?:the|china['’]s|a)\ (?:national\ |state\ |government\ )?(?:social\ credit\ )?(?:system|scheme|programme|program|score)|"
    r"(?:government|state|official|national)\ (?:pilots?|trials?|experiments?|tests?)|"
    r"part\ of\ (?:the\ )?(?:government['’]s|state['’]s|official|national|china['’]s|party['’]s|broader)\ (?:social\ credit\ )?(?:system|scheme|programme|program|plan|effort)|"
    r"(?:national|citizen|state|government|official|social\ credit)\ scores?|(?:one|a\ single)\ (?:number|score)\ (?:for|per)\ (?:every|each)|"
    r"(?:chosen|selected|picked|approved|licensed|authorised|authorized|allowed|permitted)\ by\ (?:the\ )?(?:government|state|party|central\ bank|pboc|people['’]s\ bank)|"
    r"(?:government|state|central\ bank|pboc)\ (?:gave|granted|allowed|permitted|approved|chose|selected|picked|let|licensed)|"
    r"(?:rewards?|punish\w*|perks?|privileges?)\ (?:from|of|by)\ (?:the\ )?(?:government|state|party|system)|"
    r"(?:the|this|that)\ (?:system|scheme)\ (?:will|would|also|already|even|can|could|rewards?|punishes|judges|tracks|rates)"
)

DISTINCTION = _words(
    r"(?:is|are|was|were)n['’]?t\ (?:\w+\ ){0,2}part\ of|(?:is|are|was|were)\ not\ (?:\w+\ ){0,2}part\ of|not\ part\ of|no\ part\ of|"
    r"not\ (?:the|an?|officially)\ (?:official|government|state|national)|not\ (?:run|operated|backed|sanctioned|endorsed|controlled)\ by\ (?:the\ )?(?:government|state|party)|"
    r"separate\ from|distinct\ from|different\ from|independent\ of|unrelated\ to|has\ nothing\ to\ do\ with|have\ nothing\ to\ do\ with|"
    r"confus\w+|conflat\w+|mistak\w+|misconceptions?|misunderst\w+|misreport\w*|misrepresent\w*|misleading|myths?|mix\w*\ up|lumped\ together|"
    r"(?:often|frequently|widely|commonly)\ (?:described|reported|portrayed|presented|cited)\ as|"
    r"(?:commercial|corporate|private|company['’]s)\ (?:loyalty|products?|services?|ventures?|schemes?|systems?|versions?|scores?|ratings?)|"
    r"unofficial|non-?governmental|"
    r"(?:refus|declin|withh[oe]ld|den(?:y|ied)|reject|revok|withdr[ae]w|never\ (?:issu|grant))\w*\ (?:\w+\ ){0,6}licen[cs]es?|"
    r"licen[cs]es?\ (?:\w+\ ){0,4}(?:refused|declined|withheld|denied|rejected|revoked|never\ (?:issued|granted))|"
    r"none\ of\ the\ (?:eight|8)|baihang|"
    r"no\ (?:single|unified|national|nationwide)\ (?:\w+\ )?(?:score|number|rating)|there\ is\ no\ (?:such\ thing|single|one)|"
    r"(?:rather|instead)\ than|in\ fact|actually|contrary\ to|despite\ (?:reports|claims|headlines)"
)

CUES: dict[str, re.Pattern] = {
    "private_name": PRIVATE_NAME,
    "private_mechanic": PRIVATE_MECHANIC,
    "state_name": STATE_NAME,
    "state_reference": STATE_REFERENCE,
    "state_attribution": STATE_ATTRIBUTION,
    "distinction": DISTINCTION,
}

# Evidence kinds shown to readers, and the cue groups behind each.
EVIDENCE_KINDS = {
    "private_pilot": ("private_name", "private_mechanic"),
    "state_attribution": ("state_attribution",),
    "distinction": ("distinction",),
}

# The relevance filter: a passage matching none of these cannot concern the topic.
# Deliberately broad (credit, score, rating, trust, every actor): it must never drop a
# passage that conflates or distinguishes; tested for recall 1.0 on the labelled corpus.
RELEVANCE = re.compile(
    rf"credit|scor(?:e|es|ed|ing|ecards?|ers?)\b|rat(?:e|es|ed|ing|ings)\b|blacklist|black\ list|red\ list|"
    rf"dishonest|laolai|trustworth|untrustworth|reputation|licen[cs]e|people['’]?s?\ bank|communist\ party|"
    rf"信用|评分|{PRIVATE_NAME.pattern}|{STATE_NAME.pattern}|{PRIVATE_MECHANIC.pattern}",
    re.IGNORECASE | re.VERBOSE,
)


def is_relevant(text: str) -> bool:
    """True when ``text`` may concern social credit or its actors (the relevance filter)."""
    return RELEVANCE.search(text) is not None


def cue_spans(text: str) -> list[tuple[str, int, int]]:
    """Every cue match as (cue group, start, end), in text order."""
    spans = [(name, m.start(), m.end()) for name, rx in CUES.items() for m in rx.finditer(text)]
    return sorted(spans, key=lambda s: (s[1], s[2]))
