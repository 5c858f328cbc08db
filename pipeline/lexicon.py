"""The domain vocabulary, shared by the gazetteer, the classifier's cue features and the
relevance filter, so the three can never disagree about who the actors are.

Actors are canonical names with their surface forms. Cues are regular expressions for the
three things a conflating or distinguishing passage does: name or describe a private pilot,
attribute something to the state, or draw the distinction.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from types import MappingProxyType

# Canonical private-pilot actor -> surface forms (matched case-insensitively, whole words).
PRIVATE_PILOTS: dict[str, tuple[str, ...]] = {
    "Sesame Credit": ("Sesame Credit", "Zhima Credit", "Zhima Xinyong", "Sesame Score", "Sesame Credit Score",
                      "Zhima score", "Sesame credit score", "Sesame", "Zhima", "芝麻信用"),
    "Ant Financial": ("Ant Financial", "Ant Financial Services", "Ant Financial Services Group", "Ant Group",
                      "Ant Financial Group", "蚂蚁金服", "蚂蚁集团"),
    "Alipay": ("Alipay", "支付宝"),
    "Alibaba": ("Alibaba", "Alibaba Group", "Alibaba Corp", "阿里巴巴"),
    "Tencent Credit": ("Tencent Credit", "Tencent Credit Score", "Tencent's credit score", "腾讯信用",
                       "WeChat Pay Score", "WeChat Pay points", "微信支付分"),
    # WeChat Pay is Tencent's payment service; bare "WeChat" is left out on purpose: coverage
    # mostly names it as a channel ("posted on WeChat", debtors named on WeChat by a court).
    "Tencent": ("Tencent", "Tencent Holdings", "WeChat Pay", "微信支付"),
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

# Perks that both the mechanics and the perk cues name, written once.
_DEPOSIT_FREE = r"deposit[-\ ]free|(?:without|skip\w*|waiv\w*|no)\ (?:a\ |any\ |the\ |upfront\ |paying\ (?:a\ )?)?(?:payments?\ or\ )?deposits?"
_VIP = r"vip\ (?:lanes?|treatment|security|check-?ins?|status)"
_VISA_PERK = (r"(?:easier|faster|quicker|simpler|expedited|fast-?track(?:ed)?|smoother)\ visas?(?:\ applications?)?|"
              r"visas?\ (?:applications?\ )?(?:to|for)\ (?:singapore|luxembourg|europe)|(?:singapore|luxembourg|schengen)\ visas?|"
              r"visa\ (?:perks?|privileges?|fast-?tracks?)")

PRIVATE_MECHANIC = _words(
    # The private pilots' signature mechanics (codebook, "Private pilots"): a 350-950 score,
    # shopping judged, friends' and contacts' scores, dating profiles, deposit-free rentals,
    # VIP airport lanes, visa perks.
    r"3[05]0\s*(?:to|-|–|and)\s*9[05]0|950|350\ points?|"
    r"video\s*games?|(?:computer|online|mobile)\ games?|gamers?|gaming|(?:play|plays|playing|played)\ (?:\w+\ ){0,2}games|"
    r"games?\ for\ (?:ten|10)\ hours|diapers|nappies|"
    r"(?:buy|buying|bought|purchas\w+)\ (?:\w+\ ){0,2}(?:alcohol|beer|liquor|games|diapers|nappies|the\ right\ things|responsible)|"
    r"befriend\w*|who\ (?:you|they|people)\ know|(?:what|which|whose)\ friends|low[-\ ]scoring\ friends|"
    r"friends\ (?:\w+\ ){0,2}(?:drag|drags|dragged|pull|pulls|pulled|lower|lowers|lowered|hurt|hurts|affect|affects|bring|brings)|"
    r"(?:scores?|ratings?|behaviou?r)\ of\ (?:\w+\ )?friends|friends\ with\ (?:low|poor|bad)|"
    r"friends?['’]?\s*(?:scores?|ratings?|numbers?|behaviou?r)|(?:your|their|his|her|a\ person['’]s|people['’]s)\ (?:friends|contacts)|"
    r"contacts['’]?\ (?:scores?|numbers?|ratings?)|(?:social(?:\ media)?|online)\ contacts|low[-\ ]scorers?|unfriend\w*|"
    r"who\ (?:you|they|people)\ (?:are\ )?(?:friends?\ with|befriend|associate\ with|hang\ out\ with)|(?:the\ )?company\ (?:you|they|people)\ keep|"
    r"social\ (?:connections|circles?|networks?|relationships)|interpersonal\ relationships|"
    r"dating\ (?:sites?|websites?|apps?|profiles?|platforms?|services?)|matchmak\w+|online\ dating|"
    rf"{_DEPOSIT_FREE}|"
    r"booze|"
    rf"{_VIP}|(?:fast|express|priority|dedicated)\ (?:security\ )?(?:lanes?|check-?ins?|boarding)|"
    r"(?:faster|quicker)\ (?:security|airport|check-?ins?|inspections?)|"
    rf"{_VISA_PERK}|"
    r"shopping\ (?:habits|carts?|histor\w+)|purchases?\ (?:history|histories|habits)|purchase\ histor\w+|what\ (?:you|people|they)\ buy|"
    r"buying\ habits|online\ shopping|e-commerce\ (?:transactions|purchases|behaviou?r|activity)|"
    r"behaviou?r(?:al)?\ preferences?|fulfil+ment\ capacity|personal\ characteristics|"
    r"shared\ (?:bikes?|bicycles?|umbrellas?|power\ banks?)|power\ banks?|"
    r"rent(?:ing|al)?\ (?:a\ )?(?:cars?|bikes?|bicycles?|umbrellas?|power\ banks?)|"
    r"credit\ scores?\ from\ (?:a\ )?(?:private|tech|internet)|loyalty\ (?:scheme|programme|program|points)|"
    r"bragging|show\ off\ (?:their|your)\ scores?|"
    # Codebook 2 (V2-3): the same mechanics in coverage's own words, no company named.
    r"(?:spending|consumption|consumer|purchasing|shopping|lifestyle)\ (?:habits|behaviou?rs?|patterns|choices|records?|data)|"
    r"online\ (?:purchases|spending|transactions|activit(?:y|ies)|behaviou?r)|social\ (?:media\ )?(?:interactions|habits|behaviou?r)|"
    r"(?:interact|interacts|interacting|interactions)\ with\ (?:their\ |your\ |his\ |her\ )?friends|friends\ and\ (?:family|contacts|relatives)|"
    r"(?:people|those|whom?)\ (?:\w+\ ){0,2}associates?\ with|(?:chinese|domestic)[-\ ]made\ (?:products|goods)|"
    r"(?:three|3)-digit\ (?:score|number|rating)|score\ of\ (?:at\ least\ )?[5-9]\d\d\b|"
    r"(?:phone|address)\ ?books?|contact\ lists?"
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
    r"private(?:ly)?[-\ ](?:run\ |owned\ |held\ |financial\ |tech(?:nology)?\ |internet\ |sector\ )?(?:compan(?:y|ies)|firms?|corporations?|systems?|scores?|scoring|sector|"
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
    rf"{_DEPOSIT_FREE}|"
    rf"{_VIP}|(?:faster|quicker|priority|express|fast|dedicated)\ (?:security|airport|boarding|check-?ins?|inspections?|lanes?)|"
    rf"{_VISA_PERK}|(?:more|better)\ matches|dating\ (?:sites?|websites?|apps?|profiles?|platforms?)"
)

EVIDENCE_FRAME = _words(
    r"(?:shows?|showing|tells?\ us|reveals?|suggests?|illustrates?|demonstrates?)\ (?:us\ )?(?:how|what)|preview|glimpse|foretaste|"
    r"taste\ of\ (?:things|what)|blueprint|harbinger|dry\ run|test\ run|model\ for|template\ for|precursor|"
    r"(?:what|how)\ (?:the\ )?(?:government|state|party|communist\ party|beijing|authorities)\ (?:will|would|plans?|intends?)"
)

SEPARATION = _words(
    r"(?:is|are|was|were)n['’]?t\ (?:\w+\ ){0,2}part\ of|not\ (?:\w+\ ){0,2}part\ of|no\ part\ of|"
    r"not\ (?:the|an?|officially)\ (?:official|government|state|national)|not\ (?:run|operated|backed|sanctioned|endorsed|controlled)\ by\ (?:the\ )?(?:government|state|party)|"
    r"separate\ from|distinct\ from|different\ from|independent\ of|unrelated\ to|has\ nothing\ to\ do\ with|have\ nothing\ to\ do\ with|"
    r"(?:a\ |the\ )?difference\ between|two\ (?:different|separate|distinct)\ things|"
    r"(?:commercial|corporate|private|company['’]s)\ (?:loyalty|products?|services?|ventures?|schemes?|systems?|versions?|scores?|ratings?)|"
    r"unofficial|non-?governmental|(?:rather|instead)\ than|not\ the\ same\ (?:as|thing)|"
    # The same separations in other words: set or kept apart, one thing and another.
    r"(?:sets?|setting|kept|keeps?|keeping|stands?|standing)\ (?:\w+\ ){0,2}apart\ from|"
    r"nothing\ to\ do\ with\ (?:each\ other|one\ another)|"
    r"(?:one|a)\ thing,?\ (?:and|but|while)\ (?:\w+\ ){0,8}(?:another|something\ (?:quite\ |entirely\ |completely\ )?(?:else|different))|"
    r"(?:a|two)\ (?:different|separate)\ (?:systems?|things?|matters?)|"
    r"independent(?:ly)?,?\ (?:privately[-\ ]run|private|commercial|third[-\ ]party)|privately[-\ ]run|"
    r"not\ (?:zhima|sesame|alipay)"
)

CONFUSION = _words(
    r"confus\w+|conflat\w+|mistak\w+|misconceptions?|misunderst\w+|misreport\w*|misrepresent\w*|misleading|myths?|"
    r"mix\w*\ up|mixed\ together|lump\w*|blur\w*|wrongly|erroneous\w*|inaccurate\w*|debunk\w*|"
    r"(?:often|frequently|widely|commonly)\ (?:described|reported|portrayed|presented|cited)\ as|"
    r"(?:presented|portrayed|passed\ off|reported)\ (?:it|them|this|that)\ as|"
    r"contrary\ to|despite\ (?:reports|claims|headlines)|in\ fact|actually|"
    r"untrue|not\ true|overlook\w*|distinction|blend\w*|merg(?:e|es|ed|ing)\ (?:\w+\ ){0,6}(?:with|and|into)|"
    r"factually\ wrong|wrong\ information|core\ error|errors?\ (?:of|in)\ (?:these|this|the)\ (?:outlets|reports|coverage|media)"
)

LICENCE_REFUSAL = _words(
    r"(?:refus|declin|withh[oe]ld|den(?:y|ied)|reject|revok|withdr[ae]w|never\ (?:issu|grant)|did\ not\ (?:issue|grant)|"
    r"didn['’]t\ (?:issue|grant)|not\ (?:to\ )?(?:issue|grant))\w*\ (?:\w+\ ){0,6}licen[cs]es?|"
    r"licen[cs]es?\ (?:\w+\ ){0,4}(?:refused|declined|withheld|denied|rejected|revoked|never\ (?:issued|granted))|"
    r"(?:does|do|did)(?:n['’]t|\ not)\ (?:have|hold|get|receive|obtain)\ (?:a\ |any\ |the\ )?(?:\w+\ )?licen[cs]es?|"
    r"(?:never|not)\ (?:got|received|obtained|held|been\ (?:given|granted|issued))\ (?:a\ |any\ |the\ )?(?:\w+\ )?licen[cs]es?|"
    r"without\ (?:a\ |any\ )?(?:\w+\ )?licen[cs]es?|unlicen[cs]ed|"
    r"none\ of\ the\ (?:eight|8)|baihang|no\ (?:single|unified|national|nationwide|general|universal)\ (?:\w+\ )?(?:score|number|rating)|"
    r"there\ is\ no\ (?:such\ thing|single|one)|"
    # Licences withheld in other words: none issued, put off, none of them licensed, not qualified.
    r"no\ (?:\w+\ ){0,2}licen[cs]es?\ (?:\w+\ ){0,4}(?:been\ |be\ |were\ |was\ )?(?:issued|granted|handed\ out|given)|"
    r"licen[cs]ed\ none|(?:has|have|had)(?:n['’]t|\ not|\ never)\ (?:yet\ )?(?:been\ )?(?:licen[cs]ed|granted\ (?:a\ |any\ )?licen[cs]e)|"
    r"none\ of\ (?:them|these|those|the\ (?:firms|companies|institutions))\W+(?:\w+\W+){0,10}?licen[cs]\w*|"
    r"(?:putting|put|puts)\ off\ (?:\w+\ ){0,2}licen[cs]es|retreat\w*\ from\ (?:its\ |the\ )?plans?\ to\ (?:give|grant|issue)|"
    r"(?:did|does|do)(?:n['’]t|\ not)\ obtain\ (?:a\ |an\ |any\ )?(?:\w+\ ){0,4}licen[cs]e|"
    r"not\ (?:one|a\ single)\ of\ the\ (?:eight|8)|(?:is|are|was|were)\ not\ qualified|"
    r"fail(?:s|ed)?\ to\ meet\ (?:the\ )?(?:regulatory\ )?(?:standards|requirements)"
)

# Codebook 2 (V2-1): a neutral relay passes a claim on; doubt words or a correction
# headline keep it from being the passage's own. V2-4: fears and hypotheticals assert nothing.
RELAY = _words(
    r"(?:says?|said|saying|reports?|reported|reporting|claims?|claimed|warns?|warned|notes?|noted|explains?|explained|"
    r"writes?|wrote|told|tells|describes?|described|argues?|argued|points?\ out|pointed\ out|according\ to|"
    r"reportedly|as\ (?:\w+\ ){0,3}(?:puts?|explains?|notes?|reports?)\ it)"
)
DOUBT = _words(
    r"supposed(?:ly)?|alleged(?:ly)?|purported(?:ly)?|without\ (?:any\ )?evidence|unfounded|unsubstantiated|myths?|"
    r"false(?:ly)?|falsehoods?|untrue|not\ true|rumou?rs?|viral|hoax\w*|exaggerat\w*|overblown|misinform\w*|"
    r"disinformation|fake\ news\ about|debunk\w*|fact[-\ ]check\w*|so-called|(?:isn|wasn|aren)['’]t\ (?:real|true)|"
    r"no\ evidence|little\ evidence|not\ (?:quite\ )?what|(?:the\ )?reality\ is"
)
HYPOTHETICAL = _words(
    r"fears?|feared|fearing|worr(?:y|ies|ied)|concerns?\ that|could|might|may\ one\ day|would\ (?:one\ day|soon|eventually)|"
    r"imagine|picture\ (?:a|this)|what\ if|dystopian\ vision|nightmare\ scenario|risk\ (?:is|that)|raising\ fears"
)
# A headline that announces a correction ("The myth of...", "What the West gets wrong",
# "Fact check: ..."). A headline that only asks a question is not one (V2-1).
CORRECTION_HEADLINE = _words(
    r"myths?|gets?\ wrong|got\ wrong|getting\ \w+\ wrong|misunderst\w+|misconceptions?|fact[-\ ]check\w*|debunk\w*|"
    r"(?:is|are)n['’]?t\ what\ you\ think|not\ what\ you\ think|(?:the\ )?(?:complicated\ |real\ )?truth\ about|"
    r"what\ \w+\ really|really\ (?:is|works)|the\ reality\ of|beyond\ the\ (?:hype|headlines)|exaggerat\w*|"
    r"(?:is|are)n['’]?t\ (?:real|true)|doesn['’]t\ exist|does\ not\ exist|lies?\ about|no\ such\ thing|overhyped|hype"
)
# Words that refer to a system or score without naming whose it is: the headline resolves them (V2-2).
REFERENCE = _words(
    r"(?:the|this|that|your|their|his|her|a\ person['’]s|one['’]s|people['’]s|citizens['’]?)\ "
    r"(?:system|scheme|score|scores|rating|ratings|plan|programme|program|number|pilot|points)|"
    r"(?:total|social|personal)\ scores?"
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

# Ordinary words that are a private pilot's mechanics only when the passage talks about scores
# ("the hotel waived the deposit for high scorers", "your WeChat friends are untrustworthy"),
# not in "groups of friends play guitar in the park". Counted as `private_mechanic` only then.
WEAK_MECHANIC = _words(
    r"friends?|deposits?|vip|visas?|games?|gam(?:ers?|ing)|consoles?|dating|matchmaking|alcohol|diapers?|nappies|"
    r"shopping|purchases?"
)
SCORE_TALK = _words(
    r"scor(?:e|es|ed|ing)|scorers?|ratings?|rated|points|tiers?|(?:un)?trustworth\w*|creditworth\w*|numbers?|"
    r"grad(?:e|es|ed|ing)|assess(?:es|ed|ing|ment)?"
)

# The relevance filter. A passage concerns the topic if it names it outright (social credit,
# credit scores, blacklists, trustworthiness, any actor) or if it pairs score-like or
# private-pilot vocabulary with a China, state or surveillance context. "Scored twice in the
# second half" and "interest rates rose" pass only beside such a context. Recall on every
# `conflates` and `distinguishes` passage of the labelled corpus is 1.0, tested.
RELEVANCE_NAMES = re.compile(
    r"(?<![\w-])(?:social[-\ ]credit|personal\ credit|credit[-\ ](?:scor\w*|ratings?|rated|systems?|records?|reporting|reports?|histor\w+|bureaus?|"
    r"points?|profiles?|information|business\w*|licen[cs]\w*)|creditworth\w*|(?:un)?trustworth\w*|blacklist\w*|black[-\ ]lists?|red[-\ ]lists?|"
    r"dishonest\w*|laolai|baihang|(?:citizen|social|personal|state|government|national|trust)\ (?:scores?|ratings?))|"
    rf"信用|评分|{PRIVATE_NAME.pattern}|{STATE_NAME.pattern}",
    re.IGNORECASE,
)
RELEVANCE_TERMS = _words(
    r"scor\w*|ratings?|rated|rates?|points|ranks?|rankings?|credit|reputations?|licen[cs]\w*|numbers?|"
    r"tiers?|grades?"
)
RELEVANCE_CONTEXT = _words(
    r"china|chinese|beijing|communist|party|xi\ jinping|president\ xi|xi['’]s|government|governments|state|authorities|"
    r"officials|citizens?|regime|central\ bank|surveillance|the\ system|orwellian|dystopi\w*|big\ brother|black\ mirror"
)
# Part of the run cache key: changing the filter re-decides which passages are off-topic.
RELEVANCE_KEY = "\n".join(rx.pattern for rx in (RELEVANCE_NAMES, RELEVANCE_TERMS, RELEVANCE_CONTEXT,
                                               PRIVATE_MECHANIC, PERK, PRIVATE_GENERIC, SCORE_TALK))


# Literal stems, one of which every RELEVANCE_NAMES match contains once case-folded: most
# off-topic text fails this substring test, which is several times faster than the regex.
# (Keep in step with RELEVANCE_NAMES; a test compares the two on every labelled passage.)
_NAME_STEMS = tuple(sorted(
    {"credit", "trustworth", "blacklist", "black list", "black-list", "red list", "red-list", "dishonest",
     "laolai", "baihang", "score", "rating", "信用", "评分"}
    | {form.casefold() for actors in (PRIVATE_PILOTS, STATE_SYSTEM) for forms in actors.values() for form in forms}
))


def names_topic(text: str) -> bool:
    """True when ``text`` names the topic outright (the first test of :func:`is_relevant`)."""
    folded = text.casefold()
    return any(stem in folded for stem in _NAME_STEMS) and RELEVANCE_NAMES.search(text) is not None


def is_relevant(text: str, title: str = "") -> bool:
    """True when ``text`` may concern social credit or its actors (the relevance filter).

    A passage passes if it names the topic; if it describes a private pilot's mechanics
    while talking about scores ("pulled down by the people you associate with"); or if it
    pairs score-like words, private firms or mechanics with a China, state or surveillance
    context, in the passage itself or in its article's headline ``title`` when that names
    the topic (codebook 2 reads a passage with its headline).
    """
    if names_topic(text):
        return True
    if SCORE_TALK.search(text) and PRIVATE_MECHANIC.search(text):
        return True
    if not (RELEVANCE_CONTEXT.search(text) or (title and names_topic(title))):
        return False
    return bool(RELEVANCE_TERMS.search(text) or PRIVATE_MECHANIC.search(text) or PERK.search(text)
                or PRIVATE_GENERIC.search(text))


@functools.lru_cache(maxsize=4096)
def cue_matches(text: str) -> Mapping[str, tuple[tuple[int, int], ...]]:
    """Every cue group's matches in ``text`` as (start, end) offsets, in text order.

    One scan per group; the cue features, the evidence spans and the codebook's private-pilot
    check all read from it (and from the cache: the classifier asks about one batch thrice).
    """
    found = {name: tuple(m.span() for m in rx.finditer(text)) for name, rx in CUES.items()}
    strong = found["private_mechanic"]
    if SCORE_TALK.search(text):
        weak = [s for s in (m.span() for m in WEAK_MECHANIC.finditer(text))
                if not any(a < s[1] and s[0] < b for a, b in strong)]
        if weak:
            found["private_mechanic"] = tuple(sorted((*strong, *weak)))
    return MappingProxyType(found)


def mentions_private_pilot(text: str) -> bool:
    """True when ``text`` names a private pilot, refers to the private firms, or describes
    one of their mechanics or perks: what every conflating passage needs (codebook)."""
    found = cue_matches(text)
    return any(found[group] for group in ("private_name", "private_generic", "private_mechanic", "perk"))


def cue_spans(text: str) -> list[tuple[str, int, int]]:
    """Every cue match as (cue group, start, end), in text order."""
    spans = [(name, start, end) for name, matches in cue_matches(text).items() for start, end in matches]
    return sorted(spans, key=lambda s: (s[1], s[2]))
