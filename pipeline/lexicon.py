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
                      "Zhima score", "Sesame credit score", "Sesame", "Zhima", "芝麻信用"),
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
    # The private pilots' signature mechanics (codebook, "Private pilots"): a 350-950 score,
    # shopping judged, friends' and contacts' scores, dating profiles, deposit-free rentals,
    # VIP airport lanes, visa perks.
    r"3[05]0\s*(?:to|-|–|and)\s*9[05]0|950|350\ points?|"
    r"video\s*games?|gam(?:e|es|ers?|ing)|games?\ for\ (?:ten|10)\ hours|diapers|nappies|"
    r"(?:buy|buying|bought|purchas\w+)\ (?:\w+\ ){0,2}(?:alcohol|beer|liquor|games|diapers|nappies|the\ right\ things|responsible)|"
    r"friends?|befriend\w*|who\ (?:you|they|people)\ know|group\ chats?|roommates?|"
    r"friends?['’]?\s*(?:scores?|ratings?|numbers?|behaviou?r)|(?:your|their|his|her|a\ person['’]s|people['’]s)\ (?:friends|contacts)|"
    r"contacts['’]?\ (?:scores?|numbers?|ratings?)|(?:social(?:\ media)?|online)\ contacts|low[-\ ]scorers?|unfriend\w*|"
    r"who\ (?:you|they|people)\ (?:are\ )?(?:friends?\ with|befriend|associate\ with|hang\ out\ with)|(?:the\ )?company\ (?:you|they|people)\ keep|"
    r"social\ (?:connections|circles?|networks?|relationships)|interpersonal\ relationships|"
    r"dating\ (?:sites?|websites?|apps?|profiles?|platforms?|services?)|matchmak\w+|online\ dating|"
    r"deposit[-\ ]free|(?:without|skip\w*|waiv\w*|no)\ (?:a\ |any\ |the\ |upfront\ |paying\ (?:a\ )?)?(?:payments?\ or\ )?deposits?|"
    r"deposits?|vip|booze|"
    r"vip\ (?:lanes?|treatment|security|check-?ins?|status)|(?:fast|express|priority|dedicated)\ (?:security\ )?(?:lanes?|check-?ins?|boarding)|"
    r"(?:faster|quicker)\ (?:security|airport|check-?ins?|inspections?)|"
    r"visas?|singapore|luxembourg|travel\ (?:abroad|overseas)|"
    r"shopping\ (?:habits|carts?|histor\w+)|purchases?\ (?:history|histories|habits)|purchase\ histor\w+|what\ (?:you|people|they)\ buy|"
    r"buying\ habits|online\ shopping|e-commerce\ (?:transactions|purchases|behaviou?r|activity)|"
    r"behaviou?r(?:al)?\ preferences?|fulfil+ment\ capacity|personal\ characteristics|"
    r"shared\ (?:bikes?|bicycles?|umbrellas?|power\ banks?)|power\ banks?|"
    r"rent(?:ing|al)?\ (?:a\ )?(?:cars?|bikes?|bicycles?|umbrellas?|power\ banks?)|"
    r"credit\ scores?\ from\ (?:a\ )?(?:private|tech|internet)|loyalty\ (?:scheme|programme|program|points)|"
    r"bragging|show\ off\ (?:their|your)\ scores?"
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

PRIVATE_GENERIC = _words(
    r"private(?:ly)?[-\ ](?:run\ |owned\ |held\ )?(?:compan(?:y|ies)|firms?|corporations?|systems?|scores?|scoring|sector|"
    r"pilots?|versions?|schemes?|platforms?|businesses|credit(?:\ scores?|\ ratings?|\ bureaus?)?|players|ratings?|apps?)|"
    r"(?:eight|8)\ (?:[\w-]+\ ){0,3}(?:compan(?:y|ies)|firms|corporations|"
    r"businesses|pilots?|providers|credit\ agencies)|tech\ (?:giants?|compan(?:y|ies)|firms?)|internet\ (?:giants?|compan(?:y|ies))|"
    r"fintech\ (?:firms?|compan(?:y|ies)|giants?)|e-commerce\ (?:giants?|compan(?:y|ies)|firms?|platforms?)|"
    r"corporate\ (?:scores?|systems?|versions?|ratings?|pilots?)|commercial\ (?:scores?|systems?|ratings?|products?|credit)"
)

PILOT_FRAME = _words(
    r"pilot(?:s|ed|ing)?(?:\ (?:projects?|programs?|programmes?|schemes?|systems?|versions?|scores?|run|tests?))?|"
    r"outsourc\w+|tasked|entrusted|delegated|subcontract\w*|"
    r"(?:state|government|party|official(?:ly)?|beijing)[-\ ](?:approved|backed|sanctioned|endorsed|licensed|blessed|run|authori[sz]ed|chosen|selected)|"
    r"(?:granted|given|gave|handed)\ (?:\w+\ ){0,3}(?:rights?|permission|licen[cs]es?|the\ go-ahead|approval)|"
    r"another\ (?:social\ credit\ )?(?:system|version|scheme)|(?:their|its)\ own\ social\ credit|"
    r"(?:part|arm|branch|component|piece|prototype|version|test\ ?bed|testing\ ground)\ of\ (?:the|china['’]s|beijing['’]s|a)\ "
    r"(?:national\ |state\ |government['’]s\ |official\ |social\ credit\ )*(?:system|scheme|plan|programme|program|score)"
)

PERK = _words(
    # Rewards that belong to the private pilots (codebook): offered by a state system they conflate.
    r"deposit[-\ ]free|(?:without|skip\w*|waiv\w*|no)\ (?:a\ |any\ |the\ |upfront\ |paying\ (?:a\ )?)?(?:payments?\ or\ )?deposits?|"
    r"vip\ (?:lanes?|treatment|security|check-?ins?|status)|(?:faster|quicker|priority|express|fast|dedicated)\ (?:security|airport|boarding|check-?ins?|inspections?|lanes?)|"
    r"visas?|travel\ (?:abroad|overseas)|(?:more|better)\ matches|dating\ (?:sites?|websites?|apps?|profiles?|platforms?)"
)

EVIDENCE_FRAME = _words(
    r"(?:shows?|showing|tells?\ us|reveals?|suggests?|illustrates?|demonstrates?)\ (?:us\ )?(?:how|what)|preview|glimpse|foretaste|"
    r"taste\ of\ (?:things|what)|blueprint|harbinger|dry\ run|test\ run|model\ for|template\ for|precursor|"
    r"(?:what|how)\ (?:the\ )?(?:government|state|party|communist\ party|beijing|authorities)\ (?:will|would|plans?|intends?)"
)

SEPARATION = _words(
    r"(?:is|are|was|were)n['’]?t\ (?:\w+\ ){0,2}part\ of|(?:is|are|was|were)\ not\ (?:\w+\ ){0,2}part\ of|not\ part\ of|no\ part\ of|"
    r"not\ (?:the|an?|officially)\ (?:official|government|state|national)|not\ (?:run|operated|backed|sanctioned|endorsed|controlled)\ by\ (?:the\ )?(?:government|state|party)|"
    r"separate\ from|distinct\ from|different\ from|independent\ of|unrelated\ to|has\ nothing\ to\ do\ with|have\ nothing\ to\ do\ with|"
    r"(?:a\ |the\ )?difference\ between|two\ (?:different|separate|distinct)\ things|"
    r"(?:commercial|corporate|private|company['’]s)\ (?:loyalty|products?|services?|ventures?|schemes?|systems?|versions?|scores?|ratings?)|"
    r"unofficial|non-?governmental|(?:rather|instead)\ than|not\ the\ same\ (?:as|thing)"
)

CONFUSION = _words(
    r"confus\w+|conflat\w+|mistak\w+|misconceptions?|misunderst\w+|misreport\w*|misrepresent\w*|misleading|myths?|"
    r"mix\w*\ up|mixed\ together|lump\w*|blur\w*|wrongly|erroneous\w*|inaccurate\w*|debunk\w*|"
    r"(?:often|frequently|widely|commonly)\ (?:described|reported|portrayed|presented|cited)\ as|"
    r"contrary\ to|despite\ (?:reports|claims|headlines)|in\ fact|actually"
)

LICENCE_REFUSAL = _words(
    r"(?:refus|declin|withh[oe]ld|den(?:y|ied)|reject|revok|withdr[ae]w|never\ (?:issu|grant)|did\ not\ (?:issue|grant)|"
    r"didn['’]t\ (?:issue|grant)|not\ (?:to\ )?(?:issue|grant))\w*\ (?:\w+\ ){0,6}licen[cs]es?|"
    r"licen[cs]es?\ (?:\w+\ ){0,4}(?:refused|declined|withheld|denied|rejected|revoked|never\ (?:issued|granted))|"
    r"none\ of\ the\ (?:eight|8)|baihang|no\ (?:single|unified|national|nationwide)\ (?:\w+\ )?(?:score|number|rating)|"
    r"there\ is\ no\ (?:such\ thing|single|one)"
)

DISTINCTION = re.compile("|".join(f"(?:{rx.pattern})" for rx in (SEPARATION, CONFUSION, LICENCE_REFUSAL)), re.IGNORECASE)

CUES: dict[str, re.Pattern] = {
    "private_name": PRIVATE_NAME,
    "private_generic": PRIVATE_GENERIC,
    "private_mechanic": PRIVATE_MECHANIC,
    "perk": PERK,
    "state_name": STATE_NAME,
    "state_reference": STATE_REFERENCE,
    "state_attribution": STATE_ATTRIBUTION,
    "pilot_frame": PILOT_FRAME,
    "evidence_frame": EVIDENCE_FRAME,
    "separation": SEPARATION,
    "confusion": CONFUSION,
    "licence_refusal": LICENCE_REFUSAL,
}

# Evidence kinds shown to readers, and the cue groups behind each.
EVIDENCE_KINDS = {
    "private_pilot": ("private_name", "private_generic", "private_mechanic"),
    "state_attribution": ("state_attribution", "pilot_frame"),
    "distinction": ("separation", "confusion", "licence_refusal"),
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


def mentions_private_pilot(text: str) -> bool:
    """True when ``text`` names a private pilot, refers to the private firms, or describes
    one of their mechanics or perks: what every conflating passage needs (codebook)."""
    return any(CUES[group].search(text) for group in ("private_name", "private_generic", "private_mechanic", "perk"))


def cue_spans(text: str) -> list[tuple[str, int, int]]:
    """Every cue match as (cue group, start, end), in text order."""
    spans = [(name, m.start(), m.end()) for name, rx in CUES.items() for m in rx.finditer(text)]
    return sorted(spans, key=lambda s: (s[1], s[2]))
