"""Example headlines per section, written for this project (every name is invented), embedded once
and compared with an article's embedding: a nearest-prototype signal next to the vocabulary.

They cover the usual beats of each section so that a headline without any section word ("Lena
Marsh and Theo Quill split after two years") still lands near its kind of news.
"""

from __future__ import annotations

EXAMPLES: dict[str, tuple[str, ...]] = {
    "World": (
        "Ceasefire collapses as fighting resumes along the northern border",
        "Rebels seize second city as government troops retreat",
        "Foreign ministers meet in Geneva to revive stalled peace talks",
        "Death toll from earthquake rises to 2,300 as rescuers search rubble",
        "Thousands flee across the border as refugee camps overflow",
        "Suicide bomber kills 14 at a market in the capital",
        "UN Security Council votes to extend peacekeeping mission",
        "Military junta dissolves parliament and imposes curfew",
        "Typhoon batters coastal provinces, forcing mass evacuations",
        "Protesters clash with riot police in the capital for a third night",
        "Navy intercepts boat carrying 300 migrants off the coast",
        "Embassy staff evacuated as violence spreads to the capital",
        "Kidnapped aid workers freed after weeks in captivity",
        "President of neighbouring republic accuses rival of border incursion",
        "Two countries sign treaty ending decades-old territorial dispute",
        "Pope calls for peace during visit to war-torn region",
        "Missing airliner: search widens over the southern ocean",
        "Opposition leader arrested as crackdown on dissent widens",
        "Separatists declare independence after disputed vote",
        "Sanctions tightened over nuclear programme",
    ),
    "Politics": (
        "Prime minister faces rebellion from backbench MPs over welfare cuts",
        "Opposition leader unveils election manifesto promising tax cuts",
        "Senate passes immigration bill after marathon debate",
        "Governor signs budget after weeks of standoff with lawmakers",
        "Party chairman resigns over donations scandal",
        "Poll shows ruling party trailing ahead of general election",
        "Minister defends plans to raise the retirement age",
        "Parliament votes to hold referendum on electoral reform",
        "Candidates clash over health care in televised debate",
        "Coalition partners agree deal to keep government in power",
        "Home secretary announces crackdown on knife crime",
        "Mayoral race tightens as voters head to the polls",
        "Cabinet reshuffle sees finance minister moved to foreign office",
        "Lawmakers vote to cut subsidies in spending review",
        "Supreme court strikes down controversial voting law",
        "Voters back independent candidate in by-election upset",
        "Chancellor promises to cut the deficit without raising taxes",
        "Party conference: leader urges activists to unite before campaign",
        "Government U-turn on school funding after backlash from teachers",
        "Presidential hopeful launches campaign with pledge on jobs",
    ),
    "Business": (
        "Shares fall as quarterly profits miss analysts' forecasts",
        "Central bank holds interest rates at record low",
        "Oil prices climb to six-month high on supply fears",
        "Carmaker to cut 4,000 jobs as sales slump",
        "Retailer's Christmas sales beat expectations",
        "Inflation rises to 3.1% as food and energy costs climb",
        "Supermarket chain agrees takeover in $5bn deal",
        "Stocks rally on Wall Street after strong jobs report",
        "Airline posts first annual loss in a decade",
        "Economy grows 0.4% in third quarter, official figures show",
        "Bank fined over mis-selling of loans",
        "Chief executive steps down after profit warning",
        "Unemployment falls to lowest level in five years",
        "Mining giant reports surge in iron ore revenue",
        "Factory output shrinks for third straight month",
        "Dollar weakens against euro as rate hopes fade",
        "House prices rise at fastest pace since 2007",
        "Brewer plans to list shares on the stock exchange",
        "Trade deficit widens as exports slow",
        "Regulators approve merger of two largest telecom operators",
        "Insurer sets aside $2bn for storm claims",
    ),
    "Technology": (
        "New smartphone goes on sale with a bigger screen and faster chip",
        "Software update fixes security flaw affecting millions of computers",
        "Hackers steal data of 40 million customers in retail breach",
        "Social network changes privacy settings after user backlash",
        "Tech giant unveils smartwatch and fitness app",
        "Search company buys robotics start-up",
        "Video game console sales top 10 million",
        "Mobile operator launches faster 4G network",
        "Chipmaker announces next generation of processors",
        "Messaging app reaches 500 million users",
        "Online retailer tests delivery by drone",
        "Tablet sales slow as customers keep older devices",
        "Browser maker patches bug exploited by attackers",
        "Cloud computing revenue doubles at software firm",
        "Virtual reality headset maker acquired for $2bn",
        "Internet outage leaves thousands without email",
        "Company recalls laptops over battery fire risk",
        "Streaming service adds offline downloads to its app",
        "Electric car maker recalls vehicles to update software",
        "Patent dispute between phone makers goes to court",
        "New operating system brings voice assistant to desktop computers",
        "Researchers show artificial intelligence program beating human players",
    ),
    "Science": (
        "Spacecraft enters orbit around Jupiter after five-year journey",
        "Astronomers discover Earth-sized planet orbiting nearby star",
        "Fossil of giant sea reptile found on the coast",
        "Scientists warn sea levels could rise faster than expected",
        "Rocket launch delayed by technical problem",
        "Ancient burial site uncovered by archaeologists",
        "Rare bird returns to breed after 40-year absence",
        "Physicists detect ripples in space-time",
        "Arctic sea ice shrinks to record low",
        "New species of frog discovered in rainforest",
        "Mars rover finds signs of ancient lake",
        "Comet lander sends back first images from surface",
        "Climate change is shifting the range of butterflies, study finds",
        "Coral reef bleaching spreads as oceans warm",
        "Dinosaur had feathers, fossil shows",
        "Volcano eruption sends ash cloud across the region",
        "Astronauts return to Earth after six months on space station",
        "Giant asteroid will pass close to Earth next week",
        "Whale numbers recover in southern ocean",
        "Genome of ancient human relative sequenced",
    ),
    "Health": (
        "Measles outbreak spreads as vaccination rates fall",
        "New drug slows memory loss in early Alzheimer's patients",
        "Study links sugary drinks to higher risk of diabetes",
        "Hospital waiting times reach record high",
        "Health officials confirm first case of the virus",
        "Regulator approves cancer treatment after trial success",
        "Smoking rates among teenagers fall to new low",
        "Doctors warn over rise in antibiotic-resistant infections",
        "Flu season hits earlier than usual, filling emergency rooms",
        "Obesity rates continue to climb among children",
        "Scientists find gene linked to heart disease",
        "Nurses strike over pay and staffing",
        "E-cigarettes help smokers quit, research suggests",
        "Drugmaker recalls blood pressure pills",
        "Mental health services struggle to meet demand",
        "Daily exercise cuts risk of early death, study says",
        "Deadly virus outbreak: death toll rises in West Africa",
        "Sleep loss may raise risk of dementia",
        "Health insurance sign-ups pass deadline target",
        "Pregnant women advised to avoid alcohol entirely",
        "Hospital patients infected after equipment was not cleaned",
    ),
    "Sports": (
        "Striker scores twice as champions go top of the league",
        "Tennis star wins first grand slam title",
        "Coach sacked after run of seven defeats",
        "Sprinter breaks world record at championships",
        "Captain ruled out of cup final with hamstring injury",
        "Cricket team collapses to innings defeat",
        "Golfer leads by two shots after third round",
        "Club signs midfielder in record transfer",
        "Driver takes pole position for grand prix",
        "Rugby side clinches title with last-minute try",
        "Olympic champion retires at 31",
        "Boxer defends heavyweight title with knockout win",
        "Basketball star agrees new contract",
        "Fans celebrate as underdogs reach semi-finals",
        "Quarterback throws three touchdowns in playoff win",
        "Cyclist wins mountain stage to take overall lead",
        "Goalkeeper's error hands rivals victory",
        "Swimmer claims gold in 200 metres freestyle",
        "Manager hails players after comeback draw",
        "Doping ban upheld for marathon runner",
    ),
    "Entertainment": (
        "Actress and director announce engagement",
        "Singer releases surprise album",
        "Blockbuster sequel tops the box office",
        "Reality TV star files for divorce",
        "Band announces reunion tour",
        "Film wins best picture at awards ceremony",
        "Comedian to host late-night talk show",
        "Pop star cancels concerts after illness",
        "Fans mourn death of veteran actor",
        "Television drama renewed for a fifth season",
        "Rapper arrested after nightclub fight",
        "Celebrity couple welcome first baby",
        "Trailer released for superhero film",
        "Musical opens on Broadway to rave reviews",
        "Novelist's book to be adapted for the screen",
        "Singer's new video breaks online viewing record",
        "Talent show finalists revealed",
        "Star tells magazine about her struggle with fame",
        "Festival line-up announced with three headliners",
        "Actor cast as lead in remake of classic film",
        "Celebrity chef opens restaurant",
        "Model walks the red carpet at film premiere",
    ),
}

# More of each beat, one headline a line (same rules: invented names, general subjects).
_MORE: dict[str, str] = {
    "World": """
Rescue teams reach villages cut off by landslides
Gunmen attack hotel popular with foreign visitors
Talks on prisoner exchange resume in neutral capital
Government forces recapture key town from insurgents
Aid convoy blocked at checkpoint as famine warnings grow
Leaders gather for summit on regional security
Border closed after soldiers killed in ambush
Opposition supporters march on presidential palace
Floods displace half a million people in the delta
Foreign journalists expelled after critical reports
Warplanes strike rebel positions near the coast
Election observers report widespread fraud in disputed vote
Ambassador recalled in row over spying allegations
Hostages released after ransom negotiations
Hundreds of thousands attend funeral of former president
Plane crash kills all 120 on board
Peace deal signed after 20 years of civil war
Refugees stranded at sea as neighbouring states refuse entry
Troops deployed to quell ethnic violence
Military exercises near disputed islands raise tensions
Referendum on annexation condemned by western governments
Ferry capsizes with hundreds of passengers aboard
Massive explosion at port kills dozens
Human rights group accuses army of executions
Capital under curfew after coup attempt
""",
    "Politics": """
Ministers split over plans to cap immigration
Opposition demands inquiry into lobbying claims
Party leader sets out vision in conference speech
MPs reject government plans in knife-edge vote
Election campaign enters final week with polls neck and neck
Senator announces bid for the presidency
Prime minister's approval rating falls to new low
Councils warn of cuts to local services
White House and Congress reach deal to avoid shutdown
Government publishes bill to reform the upper house
Voter registration surges among young people
Minister resigns after expenses revelations
Parties trade blows over tax plans in leaders' debate
State lawmakers pass controversial abortion bill
Ruling party wins landslide in regional elections
Government to introduce identity cards, minister confirms
Former leader endorses rival in party contest
Assembly approves constitutional amendment on term limits
Opposition accuses ministers of misleading parliament
Campaign spending limits to be tightened
Shadow cabinet unveils plans to nationalise railways
Senate confirms nominee for attorney general
Party members vote to elect new deputy leader
Parliamentary committee criticises handling of asylum cases
Polling stations open as country votes in general election
""",
    "Business": """
Profits at energy giant double on higher oil prices
Markets slide on fears of slowing growth in China
Bank to close 200 branches as customers move online
Car sales fall for the fifth month in a row
Pension funds push for cap on executive pay
Budget airline orders 100 new aircraft
Bond yields rise after central bank signals rate hike
Steelmaker seeks buyer for loss-making plants
Consumer confidence slips as prices rise
Drinks group agrees to buy rival for $12bn
Gold price hits record as investors seek safe haven
Retail sales rise more than expected in March
Chip shortage forces carmakers to halt production
Shares in fashion chain plunge after profit warning
Currency falls to record low against the dollar
Company to float on stock market in biggest listing this year
Employers add 200,000 jobs, beating forecasts
Hedge fund manager bets against housing market
Shipping costs soar as ports struggle with backlog
Supermarkets cut prices in battle for shoppers
Credit card debt reaches highest level since 2008
Central bank cuts growth forecast and warns on inflation
Brewer's sales boosted by hot summer
Telecoms group posts loss after writedown
Fast food chain to open 300 new restaurants
Investors sell off technology shares as rates rise
Oil producers agree to cut output
Factory orders fall as exports weaken
Firm fined for breaching competition rules
Billionaire investor raises stake in bank
""",
    "Technology": """
Phone maker's profits rise on strong handset sales
Social media firm to hire 10,000 content moderators
Search engine fined over shopping results
Users report outage of popular messaging service
New games console to launch before Christmas
Security researchers find flaw in millions of routers
Ride-hailing app expands to 50 more cities
Software giant to end support for older operating system
Smartphone sales decline for the first time
Online video site removes millions of accounts
Chip designer unveils processor for artificial intelligence
Start-up raises $100m to build delivery robots
Data breach exposes passwords of 100 million accounts
Mobile networks switch off 3G to make room for 5G
Tablet with detachable keyboard aims at laptop users
Tech firms pledge to tackle online abuse
Web browser adds built-in ad blocking
App store rules challenged by developers
Wearable fitness tracker can now detect irregular heartbeat
Encrypted messaging app gains users after privacy row
Driverless car tested on public roads
Cryptocurrency exchange hacked, losing $50m in coins
Computer maker cuts prices on laptops
Broadband speeds to double under new plan
Photo-sharing app adds disappearing stories
New camera phone takes on rivals with better low-light pictures
Cyber attack disrupts computer systems at hospitals and firms
Video game publisher delays release of sequel
Satellite internet service opens to customers
Tech giant's voice assistant gets new features
""",
    "Science": """
Telescope captures most detailed image yet of distant galaxy
Researchers grow miniature human organs in the lab
Ice core reveals climate of 800,000 years ago
Probe lands on asteroid to collect samples
Bees use sun as a compass, experiment shows
Hottest year on record confirmed by scientists
Fossil footprints show early humans walked upright
Supernova spotted in neighbouring galaxy
Deep sea expedition finds strange new creatures
Carbon dioxide levels reach highest in millions of years
Scientists map the brain of a fruit fly
Lunar mission to return samples from far side of the moon
Study of tree rings reveals history of droughts
Wolves reintroduced to national park change the landscape
Meteor shower to light up the night sky this weekend
Archaeologists find remains of lost city in jungle
Gravitational waves detected from colliding stars
Migrating birds arrive earlier as springs warm
Particle collider finds hints of new physics
Solar eclipse: millions watch as day turns to night
Glaciers melting faster than predicted, satellite data show
Elephants can recognise human voices, researchers say
Chinese rocket launches crew to new space station
Mammoth DNA recovered from permafrost
""",
    "Health": """
Cancer survival rates improve but lag behind other countries
Parents urged to vaccinate children before school starts
Drug prices to be capped for patients on long-term medicines
Bird flu detected in poultry farm workers
Hospital trust placed in special measures after inspection
Regular coffee drinking linked to longer life
Ambulance response times worst on record
Trial shows new vaccine is 90% effective
Teenagers spending hours on phones report poorer sleep
Salt intake must fall to cut heart attacks, experts say
Number of people with diabetes set to double
Surgeons perform first hand transplant in the country
Warning over rise in sexually transmitted infections
Fast food outlets near schools to be restricted
Painkiller addiction crisis deepens as overdoses rise
Blood test could detect cancer years earlier
Air pollution linked to thousands of early deaths
Mosquito-borne virus spreads to new regions
Care homes face staff shortages as demand grows
Study finds no link between vaccine and autism
Doctors call for tax on sugary foods
Patients wait months for mental health treatment
Hand washing campaign cuts hospital infections
Women's health: new guidance on breast screening
Ebola vaccine trial begins in affected countries
""",
    "Sports": """
Champions thrash rivals to reach cup quarter-finals
Teenager stuns top seed in straight sets
Manager signs three-year extension
Injury-hit side slump to home defeat
Record crowd watches women's final
Batsman hits century as hosts take control
Jockey rides winner in the big race
Sprinter banned for missing drug tests
Winger's late goal secures derby win
Former champion announces return to the ring
Team principal admits car is too slow
Skier wins downhill by a hundredth of a second
Veteran forward retires after 600 appearances
Striker fined for breaching club rules
Golf's world number one misses the cut
Ice hockey team clinches playoff spot
Athletes arrive for the Games as final preparations begin
Referee under fire after controversial penalty
Rugby union: coach names uncapped players in squad
Pitcher throws no-hitter in season opener
Wrestler wins world title
Fans protest against owners before kick-off
Swimmer sets national record in heats
Tennis: champion pulls out with wrist injury
Basketball: last-second shot seals win in overtime
""",
    "Entertainment": """
Box office: animated film holds top spot for third week
Singer reveals she is expecting twins
Actor apologises for offensive remarks
Streaming hit renewed for another season
Music legend to receive lifetime achievement award
Film festival opens with period drama
Stars react to award nominations
Rock band's singer hospitalised before show
Reality show contestant quits after row
Director's new film divides critics
Pop group splits after ten years
Celebrity's wedding photos sold to magazine
Theatre production breaks box office records
Chat show host signs off after 20 years
Album tops the charts in its first week
Actor to play detective in new crime series
Singer sued over song's lyrics
Hollywood studio delays release of big-budget film
Couple confirm split in joint statement
Comedy star lands own television show
Rapper's tour cancelled over ticket sales
Famous author's final novel to be published
Star wears daring dress at awards
Soap opera actor leaves after 15 years
Musical adaptation of hit film announced
TV presenter dropped after controversy
Singer performs at charity concert
Heiress and musician spotted together, fuelling romance rumours
""",
}


def examples(section: str) -> tuple[str, ...]:
    """Every example headline of a section."""
    extra = tuple(line.strip() for line in _MORE.get(section, "").splitlines() if line.strip())
    return EXAMPLES[section] + extra
