"""Off-topic filler for the synthetic benchmark corpus: generic news prose (weather, sport,
local politics, business, culture) recombined from sentence templates and vocabulary with a
seeded RNG, so that every article is different but every run builds the same corpus.

The templates are written as ordinary news copy; they neither avoid nor seek out the words
the relevance filter reacts to ("interest rates", "scored", "corporate" all occur at the
rate they occur in real news), so the filter's false-positive rate here is a fair estimate.
"""
from __future__ import annotations

import random

FIRST = ("Anna Maria James Sarah David Laura Michael Emma Daniel Olivia Thomas Grace Peter Hannah "
         "Robert Chloe Samuel Ruth Jonathan Alice Martin Helen Patrick Fiona Andrew Nadia Simon "
         "Priya Ahmed Elena Carlos Joanna Kevin Yusuf Beatrice Oliver Megan Tariq Sofia Liam").split()
LAST = ("Thompson Okafor Lindqvist Patel Murray Fernandes Brennan Castillo Hughes Novak Walsh "
        "Adeyemi Keller Moreau Jensen O'Neill Bauer Kowalski Harper Dunn Sato Whitfield Rossi "
        "Gallagher Mensah Duarte Fischer Carver Nakamura Pryce Lambert Quinn Oduya Reyes Holt "
        "Sandoval Abbott Marsh Vance Ferris").split()
TOWNS = ("Ashford", "Bramley", "Carrow", "Dunmore", "Elmstead", "Fairhaven", "Glenrock", "Harlow", "Ivybridge",
         "Kingsmere", "Larchfield", "Millbrook", "Northam", "Oakhurst", "Pendleton", "Queensbury", "Redcliffe",
         "Stanwick", "Thornbury", "Upton", "Valebridge", "Westcombe", "Yardley", "Brookfield", "Cedar Falls",
         "Riverton", "Maple Grove", "Port Ellis", "Lakeside", "Springvale")
REGIONS = ("the north-west", "the southern counties", "the coast", "the upland districts", "the valley",
           "the eastern plains", "the metropolitan area", "the islands", "the border region", "the midlands")
TEAMS = ("United", "Rovers", "City", "Athletic", "Wanderers", "Albion", "Harriers", "Rangers", "Town",
         "Hawks", "Falcons", "Stallions", "Lions", "Otters", "Comets", "Pioneers")
SPORTS_VENUES = ("Riverside Park", "the Memorial Ground", "Victoria Road", "the Dome", "Kings Field",
                 "the Arena", "Castle Meadow", "Harbour Stadium", "the Oval", "Mill Lane")
COMPANIES = ("Northwind Logistics", "Harbour Foods", "Brightline Energy", "Calder Engineering",
             "Meridian Retail", "Ostara Pharmaceuticals", "Kestrel Airways", "Greenfield Homes",
             "Bluewater Shipping", "Pinnacle Software", "Ridgeway Motors", "Silverleaf Hotels",
             "Summit Telecom", "Ironbridge Steel", "Larkspur Textiles", "Vantage Media",
             "Copperfield Mining", "Evergreen Farms", "Quayside Brewing", "Atlas Construction")
SECTORS = ("retail", "manufacturing", "construction", "hospitality", "shipping", "farming", "tourism",
           "software", "energy", "housing", "transport", "food processing", "telecoms", "mining")
PRODUCTS = ("electric vans", "frozen meals", "solar panels", "running shoes", "budget flights", "cloud storage",
            "prefabricated homes", "organic milk", "craft beer", "hearing aids", "garden furniture",
            "e-bikes", "heat pumps", "children's books")
VENUES = ("the Corn Exchange", "the Playhouse", "the Civic Hall", "the Old Library", "St Mary's Church",
          "the Riverside Gallery", "the Arts Centre", "the Lyric Theatre", "the Assembly Rooms",
          "the Town Museum", "the Bandstand", "the Guildhall")
GENRES = ("jazz", "chamber music", "folk", "contemporary dance", "opera", "stand-up comedy", "photography",
          "puppetry", "poetry", "sculpture", "printmaking", "blues", "choral music", "street art")
WORKS = ("The Long Harvest", "Glass Houses", "A River in Winter", "Paper Lanterns", "The Quiet Hour",
         "Northern Lights", "Salt and Stone", "The Last Ferry", "Small Mercies", "Open Water",
         "The Orchard Keeper", "Borrowed Time", "Midsummer Fires", "The Lighthouse Diaries")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
OFFICIALS = ("councillor", "mayor", "council leader", "cabinet member for transport", "planning committee chair",
             "opposition leader", "deputy mayor", "council chief executive", "ward councillor")
PARTIES = ("the Liberal group", "the Labour group", "the Conservative group", "the Greens",
           "the Independents", "the ruling coalition", "the opposition bloc")
STREETS = ("High Street", "Station Road", "Church Lane", "Mill Road", "Queen Street", "Bridge Street",
           "Park Avenue", "Market Square", "London Road", "Victoria Street", "the ring road")
WEATHER = ("heavy rain", "strong winds", "thick fog", "hail", "snow showers", "thunderstorms", "sleet",
           "freezing drizzle", "gales", "a heatwave", "black ice", "driving rain")
SPECIES = ("otters", "barn owls", "red kites", "hedgehogs", "bats", "water voles", "kingfishers", "badgers")

TEMPLATES = {
    "weather": (
        "Forecasters have warned of {weather} across {region} from {day} evening.",
        "A yellow warning for {weather} is in place until {day}, with travel disruption likely.",
        "Temperatures are expected to reach {temp}C in {town} by the weekend, well above the {month} average.",
        "Overnight lows could fall to {low}C, and drivers are urged to take care on untreated roads.",
        "The Met Office said {weather} would clear eastwards during {day} afternoon.",
        "Around {n_small} millimetres of rain fell in {town} in just {hours} hours, flooding several homes.",
        "Firefighters pumped water from properties on {street} after the river burst its banks.",
        "Schools in {town} closed early as the storm moved inland.",
        "Ferry services between {town} and {town2} were cancelled because of the swell.",
        "It has been the wettest {month} in {region} since records began, according to provisional figures.",
        "Farmers say the dry spell has left pasture parched and water troughs running low.",
        "Residents were advised to keep windows closed while smoke from the moorland fire drifted over {town}.",
        "Power was restored to about {n} homes by {day} morning after lines were brought down by falling trees.",
        "The coastguard urged walkers to stay away from cliff edges during the high tides.",
        "Gritters were out overnight treating main routes, the highways department said.",
        "\"We have not seen flooding like this for twenty years,\" said {person}, who has lived on {street} all her life.",
        "A spokesperson for the water company said reservoir levels stood at {pct} per cent of capacity.",
        "The warmer weather brought crowds to the beaches, with car parks full by mid-morning.",
        "Forecasters expect a brief respite on {day} before another band of rain arrives from the west.",
        "Train operators introduced speed restrictions on the coastal line as a precaution.",
        "Hospital staff reported a rise in people treated for falls on icy pavements.",
        "The environment agency has issued {n_small} flood alerts and two flood warnings for {region}.",
        "Sandbags were handed out at the fire station on {street} throughout the afternoon.",
        "Gusts of {wind} miles per hour were recorded on the hills above {town}.",
        "The long-range outlook suggests a settled but chilly start to {month}.",
        "Air quality warnings were issued as the hot, still conditions persisted.",
        "Several flights from the regional airport were delayed while runways were cleared of snow.",
        "Volunteers spent the weekend clearing debris from the promenade.",
    ),
    "sport": (
        "{team_a} came from behind to beat {team_b} {score_w}-{score_l} at {ground} on {day}.",
        "{person} scored twice in the second half as {team_a} extended their unbeaten run to {n_small} matches.",
        "The visitors took the lead after {minute} minutes when {person} headed in from a corner.",
        "{team_b} had a late penalty appeal turned down, much to the frustration of the travelling fans.",
        "A crowd of {n} watched the derby, the largest attendance at {ground} this season.",
        "The manager, {person}, said afterwards that his side had \"earned the right to play\" after a scrappy start.",
        "{team_a} remain {ordinal} in the table, {n_small} points behind the leaders with a game in hand.",
        "The club confirmed that {person} will miss the next month with a hamstring injury.",
        "In the women's league, {team_b} won {score_w}-{score_l} to move clear at the top.",
        "{person} finished the marathon in two hours {minute} minutes, a personal best.",
        "The cricket club's first XI were bowled out for {runs} on a damp pitch.",
        "{person} took four wickets for {n_small} runs as the visitors collapsed after tea.",
        "Rain delayed the start of play until mid-afternoon, and only {overs} overs were possible.",
        "The rugby side ran in five tries against {team_b}, with {person} crossing twice.",
        "The under-16 squad reached the county cup final for the first time in the club's history.",
        "Tickets for the semi-final go on sale on {day} through the club website.",
        "{person}, 19, has signed a two-year contract after impressing on loan last season.",
        "The swimming club collected {n_small} medals at the regional championships.",
        "{team_a}'s goalkeeper made a string of saves to keep the scores level at half-time.",
        "After the final whistle the players went over to thank the supporters who had made the long trip.",
        "The netball team's winning streak ended with a narrow defeat away at {town}.",
        "The league has fined the club for a breach of its financial rules, the second such penalty in three years.",
        "{person} was named player of the month after a run of goals and assists.",
        "The tennis tournament at {town} drew entries from {n_small} countries this year.",
        "Work on the new stand at {ground} is expected to be finished before the new season.",
        "The cycling race will close roads in and around {town} on {day} morning.",
        "\"We were second best for an hour,\" admitted {person}. \"We need to be much sharper.\"",
        "A stoppage-time equaliser from {person} rescued a point for {team_a}.",
        "{team_b} have now lost {n_small} of their last six matches and sit just above the relegation places.",
        "The athletics club's annual open meeting attracted more than {n_small}00 competitors.",
    ),
    "politics": (
        "Councillors in {town} voted {votes_for} to {votes_against} to approve the new housing development on {street}.",
        "The {official}, {person}, said the decision would bring much-needed homes to the area.",
        "Residents packed the public gallery at the Guildhall to oppose plans to close the library on {street}.",
        "{party} called for an independent review of the council's spending on consultants.",
        "The council has set a budget of {money} million pounds for the coming year, including cuts to road maintenance.",
        "A consultation on the proposed low-traffic neighbourhood runs until the end of {month}.",
        "Council tax will rise by {pct_small} per cent from April, the maximum allowed without a referendum.",
        "The by-election in the {town} ward will be held on {day} {date} {month}.",
        "{person}, who has represented the ward for {n_small} years, announced she would not stand again.",
        "The planning committee deferred a decision on the supermarket extension after objections from neighbours.",
        "Parents have launched a petition against changes to school bus routes, gathering {n} signatures in a week.",
        "The mayor said the town centre regeneration scheme would be completed by the end of next year.",
        "Opposition members walked out of the meeting in protest at the handling of the bin collection contract.",
        "A report to the cabinet says the council faces a shortfall of {money} million pounds by {year}.",
        "The {official} defended the decision to introduce parking charges at the seafront.",
        "\"This is about making our streets safer for everyone,\" said {person}, the {official}.",
        "Campaigners want the disused railway line turned into a cycle path linking {town} and {town2}.",
        "The council will hold drop-in sessions at {venue} for residents to see the draft local plan.",
        "Turnout at the local elections was {pct} per cent, slightly higher than four years ago.",
        "The ruling group lost its majority after two councillors left to sit as independents.",
        "An audit found that the council had paid {n} invoices late in the last financial year.",
        "Ward councillors are pressing for a pedestrian crossing outside the primary school on {street}.",
        "Plans for a new health centre in {town} have been submitted to the planning department.",
        "The overview and scrutiny committee will examine the delays to the bypass at its next meeting.",
        "The parish council agreed to fund new benches and planters for the village green.",
        "Members debated a motion calling on the government to restore funding for rural bus services.",
        "Officers said the new waste strategy would raise recycling from {pct} to 60 per cent by {year}.",
        "Police and council officials will meet traders to discuss antisocial behaviour in the precinct.",
        "The leader of the council said negotiations over the sale of the old depot site were at an advanced stage.",
    ),
    "business": (
        "{company} reported a {pct_small} per cent rise in annual sales, helped by strong demand for {product}.",
        "Shares in {company} fell {pct_small} per cent after the company cut its profit forecast.",
        "The firm plans to create {n} jobs at a new distribution centre outside {town}.",
        "{company} is to close its plant in {town}, putting {n} jobs at risk, unions said.",
        "The central bank held interest rates at {rate} per cent, citing uncertainty over inflation.",
        "Economists expect borrowing costs to fall later in the year as price growth slows.",
        "Inflation eased to {rate} per cent in {month}, the lowest figure in two years.",
        "Small businesses in {sector} say rising energy bills are squeezing their margins.",
        "The chief executive, {person}, said the company would invest {money} million pounds in new equipment.",
        "{company} agreed to buy a smaller rival in a deal worth {money} million pounds.",
        "House prices in {region} rose by {pct_small} per cent over the past year, according to the latest index.",
        "Unemployment in the region fell to {rate} per cent, below the national average.",
        "The retailer said Christmas trading had been better than expected, with online orders up sharply.",
        "Exports of {product} to Europe have recovered after a difficult two years, the trade body said.",
        "Landlords report growing demand for office space in the centre of {town}.",
        "The startup raised {money} million pounds from investors to expand its range of {product}.",
        "Consumer confidence rose for a third consecutive month in {month}.",
        "{company} warned that supply chain disruption would weigh on results until the summer.",
        "Staff at {company} will vote next week on an improved pay offer.",
        "Analysts said the results showed the group's cost-cutting programme was starting to pay off.",
        "The market town's high street has seen {n_small} new independent shops open this year.",
        "The port handled a record volume of containers last quarter, helped by new shipping routes.",
        "Farmers say the price they receive for milk has barely covered their costs this season.",
        "The company's pre-tax profit rose to {money} million pounds, beating forecasts.",
        "Mortgage lenders have begun trimming rates on fixed deals as competition for borrowers picks up.",
        "Tourism businesses along the coast reported their busiest summer since {year}.",
        "The firm's order book is full until the end of next year, said {person}, its finance director.",
        "Credit card borrowing rose faster than expected, figures from the banking trade body show.",
        "The corporate tax changes announced in the budget will take effect from April.",
        "A new business park on the edge of {town} is expected to attract firms in {sector} and {sector2}.",
    ),
    "culture": (
        "{work}, a new play by {person}, opens at {venue} on {day}.",
        "The festival returns to {town} this weekend with more than {n_small}0 events across {n_small} venues.",
        "{person}'s debut novel, {work}, has been shortlisted for a regional book prize.",
        "The exhibition at {venue} brings together {genre} from artists across {region}.",
        "Critics have praised the production's staging, though some found the second act too long.",
        "Tickets for the {genre} series sold out within hours of going on sale.",
        "The museum has acquired a collection of letters written by a local poet in the 1920s.",
        "A community choir of {n_small}0 voices will perform at {venue} to mark the anniversary.",
        "The gallery's director, {person}, said the show aimed to reach people who rarely visit museums.",
        "Restoration work on the Victorian bandstand is due to be finished by {month}.",
        "The film, shot largely in and around {town}, premieres at the independent cinema next month.",
        "Local schools will take part in a workshop on {genre} led by visiting artists.",
        "{person} has been appointed artistic director of the Playhouse after a national search.",
        "The annual open studios event lets visitors meet more than {n_small}0 painters, potters and printmakers.",
        "Volunteers at the heritage railway have spent five years restoring a steam locomotive.",
        "The library's summer reading challenge attracted {n} children, a record number.",
        "A mural celebrating the town's fishing history has been unveiled on {street}.",
        "The reviewer called it \"a warm, funny and quietly moving\" evening of theatre.",
        "The orchestra's new season includes works by Brahms, Sibelius and a premiere by {person}.",
        "Organisers said the food and drink festival had drawn about {n} visitors over two days.",
        "The arts council has awarded {n_small}00,000 pounds to refurbish {venue}.",
        "Wildlife photographers gathered at the reserve after sightings of {species} along the river.",
        "The book festival's programme includes talks by historians, novelists and a celebrated chef.",
        "Rehearsals are under way for the amateur dramatic society's production of a classic comedy.",
        "The documentary follows {person} as she walks the length of the coast path.",
        "An exhibition of {genre} by young artists opens at {venue} on {day} {date} {month}.",
        "The band, formed in {town} a decade ago, play a homecoming show at {venue} in {month}.",
        "Visitor numbers at the castle rose by a quarter after the new visitor centre opened.",
        "{person} said the anthology was a tribute to the writers who had shaped the region's literature.",
    ),
}
# Connecting sentences that fit any topic: quotes, context and follow-ups.
COMMON = (
    "\"It has been a difficult few months, but we are hopeful,\" said {person}.",
    "More details are expected to be announced later this week.",
    "{person}, who lives nearby, said the news had come as a surprise.",
    "The announcement was welcomed by local groups, though some questioned the timing.",
    "A spokesperson declined to comment further.",
    "Full details are available on the council's website.",
    "Further updates are expected on {day}.",
    "It is the {ordinal} time this year that the issue has been raised.",
    "Those affected have been asked to contact the helpline.",
    "\"We want to get this right for the people of {town},\" {person} added.",
)
TITLES = {
    "weather": ("{weather} warning for {region}", "Storm brings disruption to {town}", "Wettest {month} on record",
                "Heatwave set to continue", "Flood alerts issued for {town}"),
    "sport": ("{team_a} edge past {team_b}", "Late goal rescues point for {team_a}", "Cup joy for {town} juniors",
              "{person} signs new contract", "Rain ruins derby day"),
    "politics": ("Council approves {street} homes", "Library closure plan sparks protest", "Budget gap warning",
                 "By-election date set for {town}", "Parking charges row deepens"),
    "business": ("{company} to create {n} jobs", "Profit warning hits {company}", "Rates held as inflation eases",
                 "{town} business park plan unveiled", "Pay offer for {company} staff"),
    "culture": ("{work} opens at {venue}", "Festival returns to {town}", "Book prize shortlist announced",
                "New mural unveiled on {street}", "Choir marks anniversary"),
}


class _Slots(dict):
    """Template values drawn on first use; the same slot name repeats within one sentence."""

    def __init__(self, rng: random.Random):
        super().__init__()
        self.rng = rng

    def __missing__(self, key: str) -> str:
        r = self.rng
        draw = {
            "person": lambda: f"{r.choice(FIRST)} {r.choice(LAST)}",
            "town": lambda: r.choice(TOWNS), "town2": lambda: r.choice(TOWNS),
            "region": lambda: r.choice(REGIONS), "street": lambda: r.choice(STREETS),
            "team_a": lambda: f"{r.choice(TOWNS)} {r.choice(TEAMS)}", "team_b": lambda: f"{r.choice(TOWNS)} {r.choice(TEAMS)}",
            "ground": lambda: r.choice(SPORTS_VENUES), "company": lambda: r.choice(COMPANIES),
            "sector": lambda: r.choice(SECTORS), "sector2": lambda: r.choice(SECTORS),
            "product": lambda: r.choice(PRODUCTS), "venue": lambda: r.choice(VENUES), "genre": lambda: r.choice(GENRES),
            "work": lambda: r.choice(WORKS), "day": lambda: r.choice(DAYS), "month": lambda: r.choice(MONTHS),
            "official": lambda: r.choice(OFFICIALS), "party": lambda: r.choice(PARTIES),
            "weather": lambda: r.choice(WEATHER), "species": lambda: r.choice(SPECIES),
            "temp": lambda: str(r.randint(18, 34)), "low": lambda: str(r.randint(-8, 3)),
            "wind": lambda: str(r.randint(45, 90)), "hours": lambda: str(r.randint(2, 12)),
            "n_small": lambda: str(r.randint(2, 9)), "n": lambda: f"{r.randint(120, 9800):,}",
            "pct": lambda: str(r.randint(20, 85)), "pct_small": lambda: f"{r.randint(1, 14)}.{r.randint(0, 9)}",
            "rate": lambda: f"{r.randint(1, 6)}.{r.randint(0, 9)}", "money": lambda: str(r.randint(2, 480)),
            "year": lambda: str(r.randint(2008, 2031)), "date": lambda: str(r.randint(1, 28)),
            "minute": lambda: str(r.randint(3, 88)), "score_w": lambda: str(r.randint(2, 5)),
            "score_l": lambda: str(r.randint(0, 1)), "runs": lambda: str(r.randint(84, 260)),
            "overs": lambda: str(r.randint(12, 40)), "votes_for": lambda: str(r.randint(18, 30)),
            "votes_against": lambda: str(r.randint(4, 17)),
            "ordinal": lambda: r.choice(("second", "third", "fourth", "fifth", "sixth")),
        }[key]
        value = draw()
        # "{town} and {town2}", "{team_a} beat {team_b}": the second is never the first.
        other = {"town2": "town", "sector2": "sector", "team_b": "team_a"}.get(key)
        while other in self and value == self[other]:
            value = draw()
        self[key] = value
        return value


def paragraph(rng: random.Random, topic: str) -> str:
    """3-6 different sentences on one topic (now and then a common one), about 50-110 words."""
    n = rng.randint(3, 6)
    picks = rng.sample(TEMPLATES[topic], n)
    for i in range(n):
        if rng.random() < 0.12:
            picks[i] = rng.choice(COMMON)
    return " ".join(_fill(rng, template) for template in dict.fromkeys(picks))


def _fill(rng: random.Random, template: str) -> str:
    text = template.format_map(_Slots(rng))
    return text[0].upper() + text[1:]


def title(rng: random.Random, topic: str) -> str:
    return _fill(rng, rng.choice(TITLES[topic]))


def n_templates() -> int:
    return sum(map(len, TEMPLATES.values())) + len(COMMON) + sum(map(len, TITLES.values()))
