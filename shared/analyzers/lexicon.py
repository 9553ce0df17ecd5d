"""The local analyzer's knowledge: word classes, scoring rules and benign contexts.

Rules are written in a small phrase language compiled by ``local.py``. A pattern
is a sequence of space-separated tokens matched against normalized text (lower
case letters and digits separated by single spaces, apostrophes removed):

- ``word``        the word, each letter allowed to repeat ("kiiill");
- ``stem*``       any word starting with the stem ("kill*" = kill, kills, killer...);
- ``a|b|c``       one of the words; ``_`` joins a phrase (``kill_yourself``);
- ``{CLASS}``     one of the entries of a class below (entries may be phrases);
- ``tok?``        the token is optional;
- ``...``         up to three other words, none of them a negation ("not", "never").

Severity follows Azure AI Content Safety's eight-level scale: 2 for mentions (news,
fiction, education), 4 and up where text instructs, glorifies, threatens,
dehumanises or is sexually explicit, 6-7 for the most severe. Anything at 4 or
above fails a training example (see ``shared.policy``).

Slurs are stored ROT13-encoded so that reading or grepping the source does not
display them; they are decoded once at import.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import Final

from shared.policy import Category

HATE, SELF_HARM, SEXUAL, VIOLENCE = (
    Category.HATE,
    Category.SELF_HARM,
    Category.SEXUAL,
    Category.VIOLENCE,
)


@dataclass(frozen=True, slots=True)
class Rule:
    """Text matching ``pattern`` scores at least ``severity`` in ``categories``.

    A ``negatable`` rule does not fire right after a negation ("don't kill
    yourself" is not encouragement). Nor does a match that the words of
    ``unless_next`` follow: the idiom it began ("vou te matar de rir", I'll make
    you die laughing) or a negation after it ("ich hasse Juden nicht").
    """

    pattern: str
    severity: int
    categories: tuple[Category, ...]
    negatable: bool = False
    unless_next: str | None = None


@dataclass(frozen=True, slots=True)
class Hold:
    """A sentence that is, as a whole, ``pattern`` and holds no word of ``unless`` is
    about its subject, not harmful, in ``categories``: the learned half may grant it a
    mention there and no more (``local.score_many``); the rules still judge it in
    full. Only a whole sentence is held ("What is a pipe bomb?"), so nothing around
    the frame escapes with it."""

    pattern: str
    categories: tuple[Category, ...]
    unless: str


def _words(text: str) -> tuple[str, ...]:
    """Entries separated by commas; an entry may be a phrase of several words."""
    return tuple(entry.strip() for entry in text.split(",") if entry.strip())


def _phrases(firsts: str, seconds: str) -> tuple[str, ...]:
    """Every two-part phrase of an entry of ``firsts`` and one of ``seconds``."""
    return tuple(f"{first} {second}" for first in _words(firsts) for second in _words(seconds))


def _joined(firsts: str, seconds: str) -> tuple[str, ...]:
    """Every word of an entry of ``firsts`` with one of ``seconds`` written on to it
    ("matar" + "te": "matarte"; "t" + "egorger", as "t'égorger" is normalized)."""
    return tuple(f"{first}{second}" for first in _words(firsts) for second in _words(seconds))


# People named for who they are (the words as normalized text folds them: no accents,
# "ß" as "s"). Violence the rules find in a text naming one is hate as well
# (``local._Engine.raised``); they are also the victims of threats. Words with
# everyday senses are left out: adjectives alone ("a gay wedding", "Mexican food"),
# colours ("negro", "noirs", "die schwarze Null"), a dish ("moros y cristianos").
_MEMBERS = (
    "jew, jews, muslims, arabs, gays, lesbians, homosexuals, queers, trans person, "
    "trans people, trans woman, trans women, trans man, trans men, tranny, trannies, "
    "immigrants, migrants, refugees, asylum seekers, mexicans, gypsies, black guy, "
    "black man, black men, black woman, black women, black people, gay guy, gay man, "
    "gay men, gay people, jewish guy, jewish man, jewish woman, jewish people, muslim guy, "
    "muslim man, muslim woman, muslim girl, arab guy, disabled person, disabled people, "
    "retard, retards"
)
_MEMBERS_ABROAD = (
    # in several of the languages
    "gay, gays, homo, homos, lesbica, lesbicas, transexual, transexuales, transexuais, "
    "transsexuel, transsexuels, transsexuelle, "
    # Spanish
    "judio, judios, judia, judias, musulman, musulmanes, musulmana, musulmanas, negrata, "
    "gitano, gitanos, gitana, gitanas, inmigrante, inmigrantes, sudaca, sudacas, maricon, "
    "maricones, marica, maricas, bollera, bolleras, travesti, travestis, homosexuales, "
    "lesbiana, lesbianas, "
    # Portuguese
    "judeu, judeus, muculmano, muculmanos, muculmana, cigano, ciganos, imigrante, "
    "imigrantes, viado, viados, sapatao, sapatona, traveco, travecos, "
    # French
    "juif, juifs, juive, juives, musulmane, musulmanes, arabe, arabes, bougnoule, bougnoules, "
    "gitan, gitans, immigre, immigres, migrant, migrants, pede, pedes, gouine, gouines, lesbienne, "
    "lesbiennes, musulmans, "
    # German
    "jude, juden, judin, muslime, muslimen, moslem, moslems, zigeuner, auslander, kanake, "
    "kanaken, fluchtling, fluchtlinge, fluchtlingen, schwule, schwuler, schwulen, schwuchtel, "
    "schwuchteln, lesbe, lesben, transmensch, transmenschen, transe, transen"
)
_WORSHIP = (
    "mosque, mosques, synagogue, synagogues, mezquita, mezquitas, sinagoga, sinagogas, "
    "mesquita, mesquitas, mosquee, mosquees, moschee, moscheen, synagoge, synagogen"
)
# The future's first person of the verbs that kill, which carries the intent itself:
# "matarei todos vocês", "mataré a mi jefe", "je tuerai mon voisin" ("mataremos" is
# both languages').
_KILL_FUTURE = (
    "matare, mataremos, apunalare, acuchillare, degollare, ahorcare, estrangulare, "
    "asesinare, matarei, esfaquearei, esfaquearemos, degolarei, enforcarei, estrangularei, "
    "assassinarei, fuzilarei, tuerai, tuerons, poignarderai, egorgerai, etranglerai, "
    "buterai, flinguerai"
)
# People a threat names, by language (with ``_MEMBERS_ABROAD``).
_PEOPLE_ES = (
    "hombre, hombres, mujer, mujeres, tipo, tipos, chico, chicos, chica, chicas, nino, ninos, "
    "nina, ninas, vecino, vecinos, vecina, vecinas, policia, policias, profesor, profesora, "
    "persona, personas, gente, novio, novia, ex, marido, esposa, esposo, padre, madre, "
    "hermano, hermana, hijo, hija, suegra, suegro, companero, companera, cabron, puta, "
    "presidente, negros, negras, "
)
_PEOPLE_PT = (
    "cara, homem, mulher, vizinho, vizinha, professor, professora, policial, colega, "
    "menino, menina, crianca, criancas, pai, mae, irmao, irma, esposa, marido, namorada, "
    "namorado, ex, gente, pessoa, pessoas, medico, medicos, vagabundo, vagabundos, "
    "desgracado, familia, pretos, pretas, negros, negras, "
)
_PEOPLE_FR = (
    "type, mec, femme, mari, voisin, voisine, patron, patronne, prof, frere, "
    "soeur, flic, flics, gens, enfant, enfants, connard, salope, batard, copain, copine, "
    "noirs, noires, "
)
_PEOPLE_DE = (
    "typen, kerl, mann, frau, nachbarn, chef, chefin, lehrer, lehrerin, bullen, polizisten, "
    "kollegen, ex, vater, mutter, bruder, schwester, sohn, tochter, freund, freundin, leute, "
    "menschen, kinder, hurensohn, wichser, schlampe, schwarzen, "
)

_SLURS_ROT13 = (
    "avttre avttref avttn avttnf xvxr xvxrf fcvp fcvpf puvax puvaxf tbbx tbbxf jrgonpx "
    "jrgonpxf snttbg snttbgf snt sntf genaal genaavrf enturnq enturnqf gbjryurnq gbjryurnqf "
    "fnaqavttre fnaqavttref ornare ornaref pbba pbbaf cnxv cnxvf ergneq ergneqf furznyr "
    "furznyrf mvccreurnq mvccreurnqf qlxr qlxrf tlccb tlccbf"
)

# Classes marked as anchors contain the words without which no rule can fire; the
# analyzer's fast path skips every rule for a text that holds none of them.
ANCHOR_CLASSES: Final = frozenset(
    {
        "VIOLENT_VERB",
        "KILL_ABROAD",
        "KILL_FUTURE_ABROAD",
        "KILL_JOINED_ABROAD",
        "KILL_DE",
        "VIOLENT_GERUND",
        "THREAT_ACT",
        "VIOLENT_MENTION",
        "DEATH",
        "WEAPON_DEVICE",
        "ATTACK_EVENT",
        "PERPETRATOR",
        "GORE",
        "SELF_HARM_ACT",
        "SELF_HARM_MENTION",
        "SELF_IDEATION_ACT",
        "EXPLICIT_ACT",
        "SEX_ACT_NAME",
        "SEX_ACT_NAME_ABROAD",
        "EXPLICIT_ACT_ABROAD",
        "SLANG_ANATOMY",
        "SLANG_ANATOMY_ABROAD",
        "SLANG_ALSO_EVERYDAY",
        "ANATOMY",
        "ANATOMY_ABROAD",
        "SEX_VERB",
        "SEXUAL_MENTION",
        "DEHUMANIZING",
        "NEG_TRAIT",
        "HATE_VERB",
        "ELIMINATE",
        "SLUR",
        "EXTREMIST",
        "HATE_MENTION",
    }
)

CLASSES: Final[dict[str, tuple[str, ...]]] = {
    # ---- shared grammar
    "FIRST": _words("i, we, ima, imma"),
    "INTENT": _words(
        "will, ill, shall, gonna, wanna, am going to, im going to, are going to, were going to, "
        "want to, intend to, plan to, am about to, im about to, cant wait to, would love to, "
        "will fucking, am gonna, im gonna, ought to, should, must, need to, have to, gotta"
    ),
    "TARGET": _words(
        "you, ya, u, him, her, them, yall, you all, everyone, everybody, all of you, every one "
        "of you, them all, someone, somebody, a person, people, children, kids, a child, a kid, "
        "strangers, innocent people, police officers"
    )
    + _phrases(
        "the, that, this, those, these, my, your, his, her, our, their, every, all the",
        "teacher, teachers, judge, cop, cops, police, officer, president, kids, children, guy, "
        "guys, woman, women, man, men, girl, boy, bitch, bastard, neighbor, neighbour, boss, "
        "wife, husband, family, families, ex, classmates, coworkers, people, jury, students, "
        "worshippers, crowd, mother, father, mom, dad, sister, brother, son, daughter, baby, "
        "fucker, pig, pigs, landlord, manager, doctor, nurse, politician, politicians",
    )
    + _phrases("a, an, the, that, this, every, some, any, those, these, all the", _MEMBERS),
    "INCITE": _words(
        "lets, let us, go, we should, we must, we need to, someone should, somebody should, "
        "someone needs to, somebody needs to, you should, everyone should, time to, its time to"
    ),
    "HOWTO": _words(
        "how to, how do i, how do you, how can i, how would i, how could i, how should i, "
        "ways to, way to, best way to, easiest way to, quickest way to, fastest way to, "
        "steps to, guide to, instructions to, instructions for, tutorial on, tips to, "
        "tips for, help me, teach me to, show me how to, explain how to, what is the best way to"
    ),
    "PRONOUN": _words("her, him, me, you, them, us"),
    "YOU": _words(
        "you, ya, u, yall, you all, your family, your kids, your children, your wife, "
        "your husband, your mother, your mom, your whole family, everyone you love"
    ),
    "POSSESSIVE": _words("his, her, my, your, their"),
    "BE": _words("is, was, are, were, would be, will be, feels, felt, r"),
    # things that get "killed" in IT and daily life; used by the benign contexts
    "SOFTWARE": _words(
        "process, processes, task, tasks, job, jobs, thread, threads, server, servers, service, "
        "services, app, apps, application, applications, program, programs, command, session, "
        "sessions, pod, pods, container, containers, query, queries, connection, connections, "
        "engine, lights, light, bug, bugs, weeds, weed, mood, vibe, buzz, bill, tab, tabs, window, "
        "windows, pid, worker, workers, daemon, instance, instances, vm, cluster, request, "
        "requests, transaction, transactions, shell, terminal, browser, loop, signal, signals, "
        "screen, music, noise, engine, germs, bacteria, mold, pests, the idea, the deal, "
        "the messenger, two birds, 2 birds, the lights, the battery, my battery"
    ),
    # ---- violence
    "VIOLENT_VERB": _words(
        "kill, murder, stab, shoot, strangle, choke, behead, decapitate, slaughter, butcher, "
        "torture, hurt, punch, bomb, blow up, massacre, execute, hang, lynch, "
        "gun down, slit the throat of, maim, mutilate, rape, assault, poison, drown, "
        "suffocate, smother, bludgeon, dismember, break the legs of, slit your throat, "
        "cut your throat, knife, run over, gas, exterminate, beat up, beat the shit out of, "
        "burn alive, burn down the house of"
    ),
    # complete threats, the victim included: "slit your throat", "beat him to death"
    "THREAT_ACT": _phrases(
        "slit, cut, bash in, smash, snap, break, blow off, blow out, rip off, burn down, "
        "put a bullet in, put a bullet through, stab, crush",
        "your throat, his throat, her throat, their throats, your head, his head, her head, "
        "your skull, his skull, her skull, your neck, his neck, her neck, your legs, his legs, "
        "her legs, your brains, his brains, her brains, your house, his house, her house",
    )
    + _phrases(
        "beat, kick, stab, choke, strangle",
        "you to death, him to death, her to death, them to death",
    )
    + _words(
        "make you bleed, make you suffer, make him suffer, make her suffer, gut you, gut him, "
        "end you, shoot you in the head, shoot him in the head, shoot her in the head, "
        "blow your brains out, blow his brains out, blow your head off, blow his head off"
    ),
    "PLACE": _words(
        "school, schools, mosque, mosques, church, churches, synagogue, synagogues, temple, "
        "mall, concert, office, parade, stadium, subway, airport, clinic, campus, classroom, "
        "daycare, kindergarten, hospital, rally, crowd, embassy, courthouse, "
        "police station, gay bar, pride parade"
    ),
    "VIOLENT_GERUND": _words(
        "killing, murdering, slaughtering, shooting, stabbing, torturing, beating, burning, "
        "bombing, massacring, lynching, raping, hanging, beheading, strangling, butchering, "
        "mutilating, gassing, exterminating"
    ),
    "VIOLENT_MENTION": _words(
        "kill*, murder*, stab, stabs, stabbed, stabbing, shoot*, shot dead, gunfire, gunman, "
        "gunmen, rifle*, pistol*, weapon*, bomb*, explosion*, explosive*, explode*, attack*, "
        "assault*, war, wars, warfare, violence, violent*, massacre*, genocide, terroris*, "
        "torture*, hostage*, behead*, strangl*, slaughter*, bloodshed, bloody, wounded, "
        "injured, corpse*, homicide*, manslaughter, rape*, raping, lynch*, grenade*, sniper*"
    ),
    "DEATH": _words(
        "die, dies, died, dead, death, pay for this, be killed, be dead, be shot, be hanged, "
        "be tortured, suffer, burn, burn in hell, be raped, be beaten, bleed, rot"
    ),
    "WEAPON_DEVICE": _words(
        "pipe bomb, bomb, bombs, ied, ieds, explosive, explosives, explosive device, molotov, "
        "molotov cocktail, napalm, nerve agent, sarin, ricin, anthrax, dirty bomb, ghost gun, "
        "silencer, suppressor, detonator, grenade, thermite, car bomb, suicide vest, "
        "untraceable gun, chemical weapon, bioweapon, nail bomb"
    ),
    "BUILD": _words(
        "make, build, assemble, construct, making, building, assembling, 3d print, "
        "manufacture, create, cook up, rig, wire, arm, detonate, set off, plant"
    ),
    "ATTACK_EVENT": _words(
        "massacre, mass shooting, school shooting, shooting, genocide, bombing, terrorist "
        "attack, terror attack, holocaust, lynching, lynchings, slaughter, 9 11, the attack, "
        "ethnic cleansing, killing spree, beheading, beheadings"
    ),
    "PRAISE": _words(
        "glorious, heroic, justified, beautiful, great, a good thing, necessary, well deserved, "
        "a blessing, fun, awesome, satisfying, amazing, a pleasure, hilarious, righteous, "
        "delightful, the best, so much fun, deserved, based, epic, brilliant, perfect"
    ),
    "PERPETRATOR": _words("shooter, killer, bomber, murderer, terrorist, gunman, attacker"),
    "HERO": _words("hero, legend, martyr, saint, genius, role model, icon, king, patriot"),
    "GORE": _words(
        "blood, brains, guts, intestines, entrails, bowels, viscera, innards, brain matter"
    ),
    "GORE_ACTION": _words(
        "spray*, splatter*, spill*, gush*, pour*, everywhere, ooz*, dripp*, spurt*, flow* out"
    ),
    "BODY_PART": _words(
        "eyes, eye, throat, guts, heart, intestines, tongue, skin, belly, stomach, fingers, "
        "teeth, fingernails, face, skull, spine, limbs, arms, legs, head, neck"
    ),
    # ---- threats in Spanish, Portuguese, French and German: the speaker's intent, a
    # verb that harms a person, and whom: a pronoun before the verb or joined to it
    # ("te voy a matar", "matarte"), or a person after it. A thing or a third person's
    # pronoun ("matarlo", "je vais le tuer") may be a process, a pest or a team, so it
    # does not count. Verbs with everyday senses are left out ("quemar" a CD,
    # "massacrer" a team, "aufhängen" a picture).
    "INTENT_ABROAD": _words(
        "voy a, vamos a, quiero, queremos, tengo que, tenemos que, hay que, "
        "vou, eu vou, vamos, quero, tenho que, temos que, tenho de, temos de, tem que, "
        "je vais, jvais, on va, nous allons, je veux, on veut, il faut, faut"
    ),
    # The infinitive after intent, or the future after the victim ("eu te matarei").
    "KILL_ABROAD": _words(
        "matar, asesinar, apunalar, acuchillar, degollar, ahorcar, estrangular, balear, "
        "linchar, torturar, violar, descuartizar, decapitar, envenenar, fusilar, exterminar, "
        "assassinar, esfaquear, enforcar, degolar, estuprar, espancar, fuzilar, "
        "tuer, buter, flinguer, poignarder, egorger, etrangler, lyncher, torturer, "
        "decapiter, empoisonner, tabasser, fusiller, saigner, exterminer"
    )
    + _words(_KILL_FUTURE),
    "KILL_FUTURE_ABROAD": _words(_KILL_FUTURE),
    # The victim written on to the verb: "matarte", "t'égorger" (normalized "tegorger").
    "KILL_JOINED_ABROAD": _joined(
        "matar, asesinar, apunalar, acuchillar, degollar, ahorcar, estrangular, balear, "
        "linchar, torturar, violar, descuartizar, decapitar, envenenar, fusilar",
        "te, os",
    )
    + _joined("t", "egorger, etrangler, empoisonner, assassiner"),
    # The victim written after the verb, in Portuguese and French: a pronoun, or a person
    # or people after an optional determiner ("{DET_ABROAD}? {VICTIM_ABROAD}"; as two
    # tokens, not every pairing spelled out, so the regexes stay small).
    "DET_ABROAD": _words(
        "o, a, os, as, um, uma, meu, minha, teu, tua, seu, sua, esse, essa, esses, essas, "
        "este, esta, aquele, aquela, o meu, a minha, o teu, a tua, todos os, todas as, "
        "le, la, les, un, une, des, ce, cet, cette, ces, mon, ma, mes, ton, ta, tes, son, sa, "
        "tous les, toutes les, todos, todas, tous, toutes"
    ),
    "VICTIM_ABROAD": _words(
        "voce, voces, vc, vcs, te, toi, vous, tout le monde, todo mundo, meu chefe, "
        "minha chefe, mon chef, ma cheffe, mon pere, ma mere, ton pere, ta mere, "
        + _PEOPLE_PT
        + _PEOPLE_FR
        + _MEMBERS_ABROAD
    ),
    # Spanish marks a person object with "a" ("matar a mi jefe"); Portuguese's "a" is an
    # article ("matar a saudade"): "a|al {DET_ES}? {VICTIM_ES}".
    "DET_ES": _words(
        "mi, tu, su, mis, tus, sus, ese, esa, esos, esas, este, esta, estos, estas, aquel, "
        "aquella, un, una, unos, unas, los, las, la, todos los, todas las"
    ),
    "VICTIM_ES": _words(
        "ti, usted, ustedes, alguien, cualquiera, mi jefe, mi jefa, tu jefe, "
        + _PEOPLE_ES
        + _MEMBERS_ABROAD
    ),
    # The speaker with the victim before the verb: "te voy a", "vou te", "je vais te".
    "INTENT_OBJECT_ABROAD": _phrases("te, os", "voy a, vamos a")
    + _phrases("vou, eu vou, vamos, quero, eu", "te, lhe")
    + _phrases("je vais, jvais, on va, nous allons, je veux, on veut", "te, vous"),
    # German puts the verb last, after its object and any adverbs.
    "INTENT_DE": _words(
        "ich werde, ich werd, wir werden, ich will, wir wollen, ich mochte, ich muss, "
        "wir mussen, wir sollten, man sollte, man muss, werde ich, will ich"
    ),
    # Whom, in German: "{DET_DE}? {OBJECT_DE}" ("dich", "einen Schwulen").
    "DET_DE": _words(
        "einen, eine, den, die, dem, diesen, diese, jeden, jede, alle, meinen, meine, "
        "deinen, deine, seinen, seine, ihren"
    ),
    "OBJECT_DE": _words("dich, euch, " + _PEOPLE_DE + _MEMBERS_ABROAD),
    "KILL_DE": _words(
        "umbringen, abstechen, erstechen, erschiesen, erschiessen, abknallen, erwurgen, "
        "erdrosseln, vergasen, abschlachten, totprugeln, niederstechen, hinrichten, lynchen, "
        "toten, ermorden, vergewaltigen, aufschlitzen, kaltmachen, abmurksen, erschlagen, "
        "ausrotten, aufhangen, verbrennen"
    ),
    "GROUP_ABROAD": _words(_MEMBERS_ABROAD),
    "WORSHIP": _words(_WORSHIP),
    # Who is named, and where they worship: violence aimed there is hate too.
    "MEMBER": _words(_MEMBERS) + _words(_MEMBERS_ABROAD) + _words(_WORSHIP),
    "NEGATION_AFTER": _words("nicht, nie, niemals, pas, jamais"),
    # What may follow a threat's words and undo it: an idiom ("matar de rir", to make
    # die laughing) or a clock time ("ich bring dich um acht", I'll take you at eight).
    "NOT_A_THREAT": _words(
        "de rir, de riso, de risa, de vergonha, de verguenza, de susto, de saudade, "
        "de saudades, de amor, de tedio, de inveja, de envidia, de cocegas, de cosquillas, "
        "de curiosidade, de curiosidad, de rire, de la risa, del susto, de aburrimiento, "
        "de preocupacion, de preocupacao, de tanto rir, a besos, simbolicamente, "
        "symboliquement, dinquietude, aux echecs, al ajedrez, no xadrez, "
        "halb, viertel, punkt, mitternacht, kurz nach, kurz vor, die ecke, "
        "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, "
        "24, eins, zwei, drei, vier, funf, sechs, sieben, acht, neun, zehn, elf, zwolf"
    ),
    # What follows a person when the person is an owner ("hang the kids' artwork", "shoot
    # the students' headshots"): the harm words' object is the thing.
    "POSSESSED": _words(
        "artwork, art, paintings, painting, drawings, photos, photo, pictures, picture, "
        "portraits, portrait, headshots, coats, jackets, scripts, submissions, homework, "
        "projects, posters, stockings, clothes, laundry, backpacks, toys, lunches, papers, "
        "essays, code, files, accounts, tests, exams, in natural light, in the studio, "
        "verb, verbs, grammar, conjugation, food, cooking, cuisine, movies, music, language"
    ),
    # ---- self-harm
    "SELF_HARM_ACT": _words(
        "kill myself, kill yourself, kill urself, kill themselves, kill himself, kill herself, "
        "killing myself, killing yourself, kys, end my life, end your life, end it all, "
        "commit suicide, hang myself, hang yourself, slit my wrists, slit your wrists, "
        "cut myself, cut yourself, hurt myself, hurt yourself, starve myself, "
        "starve yourself, overdose, od, jump off a bridge, drink bleach, shoot myself, "
        "shoot yourself, off myself, off yourself, not be alive, unalive myself, "
        "unalive yourself, take my own life, take your own life, die painlessly, die quickly, "
        "cut deep, cut deeper, burn myself, burn yourself, purge, throw up after eating"
    ),
    "SELF_HARM_MENTION": _words(
        "suicide, suicidal, self harm, selfharm, self injury, self mutilation, overdos*, "
        "anorexi*, bulimi*, cutting myself, want to die, wanna die, pro ana, pro mia, thinspo, "
        "thinspiration, lethal dose, fatal dose, deadly dose, unalive"
    ),
    "ENCOURAGE": _words(
        "you should, u should, you should just, go, just, why dont you, why not, please, "
        "you need to, you ought to, do everyone a favor and, do us a favor and, do the world "
        "a favor and, you deserve to, nobody would care if you, everyone wants you to, "
        "you might as well, better to, its time to, i dare you to"
    ),
    "FIRST_IDEATION": _words(
        "i want to, i wanna, i am going to, im going to, im gonna, i plan to, im planning to, "
        "i am planning to, i am thinking about, im thinking about, i think about, i am ready to, "
        "im ready to, i need to, i should, i just want to, i wish i could"
    ),
    "SELF_IDEATION_ACT": _words(
        "kill myself, end my life, end it all, commit suicide, hurt myself, cut myself, die, "
        "not be alive, not wake up, disappear forever, hang myself, overdose, take my own life, "
        "starve myself, unalive myself, shoot myself, cut deep, cut deeper, hide my cuts, "
        "hide the cuts, hide my scars, hide self harm, cut without anyone noticing"
    ),
    "DOSE_UNIT": _words(
        "pills, tablets, sleeping pills, mg, milligrams, grams, capsules, pills of, tylenol, "
        "paracetamol, acetaminophen, ibuprofen, insulin"
    ),
    "LETHAL_GOAL": _words(
        "to die, kill me, kill you, kill a person, kill someone, be lethal, overdose, od, "
        "is lethal, would kill, to kill myself, to end it, to not wake up, be fatal, is fatal, "
        "to kill me, to kill a person, to kill someone, to overdose"
    ),
    "SELF_HARM_TOPIC": _words(
        "self harm, cutting, starving, anorexia, purging, suicide, killing yourself, "
        "killing myself, ending it, dying"
    ),
    "SELF_HARM_PRAISE": _words(
        "beautiful, good, great, the answer, the only way, the best, worth it, amazing, "
        "freeing, a relief, the solution, the way out, brave, romantic, peaceful, easy"
    ),
    "WORTHLESS": _words(
        "nobody would miss you, no one would miss you, the world would be better without you, "
        "everyone would be better off without you, everyone would be happier if you were dead, "
        "nobody would care if you died, no one would care if you died, you are better off dead, "
        "youre better off dead, you should not exist, you dont deserve to live"
    ),
    # ---- sexual
    "EXPLICIT_ACT": _words(
        "blowjob*, blow job*, handjob*, hand job*, rimjob*, deepthroat*, creampie*, gangbang*, "
        "cumshot*, jizz*, jerk off, jerked off, jerking off, jacking off, fingering her, "
        "fingered her, titfuck*, facefuck*, bukkake, penetrated her, penetrated him"
    ),
    # The plain names of sex acts, which a film synopsis, a sex-education text or a news
    # report uses too: a mention (Content Safety's Low), not a description. How explicit
    # the text around them is, the learned half judges.
    "SEX_ACT_NAME": _words(
        "cunnilingus, fellatio, anal sex, oral sex, doggy style, doggystyle, sixty nine, "
        "cowgirl position"
    ),
    # The same in Spanish, Portuguese, French and German (not a word class of the
    # classifier's: its weights were trained without them).
    "SEX_ACT_NAME_ABROAD": _words(
        "sexo oral, sexo anal, sexe oral, sexe anal, oralsex, analsex, fellation, felacion, "
        "felacao, cunilingus"
    ),
    # Explicit sex in Spanish, Portuguese, French and German, as the English classes
    # around them (none is a word class of the classifier's). Words with an everyday
    # sense are left out even where slang uses them: "pau" (stick), "pica" (it
    # itches), "rola" (it rolls), "queue" (queue), "cono" (a cone, as "coño" folds),
    # "porra" and "caralho" (damn), "mamar" (to suckle), "mamada" (nonsense in
    # Mexico), "boquete" (a hole in Portugal), "Muschi" (a pussycat), "Möse" (folded,
    # "Mose": Moses).
    "EXPLICIT_ACT_ABROAD": _words(
        "punheta, punhetas, siririca, branlette, branlettes, fickten sich"
    ),
    "SLANG_ANATOMY_ABROAD": _words(
        "polla, pollas, verga, vergas, chocho, tetas, buceta, bucetas, boceta, xoxota, xota, "
        "xereca, piroca, zob, teub, nichons, fotze, titten, pimmel"
    ),
    # Slang that is also a vegetable, a bite and a she-cat: only after a verb of the act.
    "SLANG_ALSO_EVERYDAY": _words("grelo, bite, chatte"),
    # Only the genitals: a baby suckles at breasts and nipples ("se o bebê chupar só os
    # mamilos"). Rubbing and putting in are not verbs of the act below: ointment is
    # rubbed on a penis and a catheter put in.
    "ANATOMY_ABROAD": _words("pene, penis, klitoris, clitoris, vagina, vulva"),
    # "leche" (the French "lèche", folded) is the Spanish for milk, "baiser" also a kiss,
    # "folle" (follé) the French for mad and "blast" (bläst) English.
    "SEX_VERB_ABROAD": _words(
        "chupar, chupo, chupa, chupas, chupes, chupando, chupe, chupaba, chupei, chupou, "
        "chupava, chuparte, chuparla, chuparle, chupartela, chupasela, chuparsela, "
        "chupamela, chuparmela, chupate, lamer, lamo, lames, lamiendo, lamio, lamia, lamerte, "
        "lamerla, lamber, lambo, lambe, lambendo, lambeu, lambia, follar, follo, folla, "
        "follando, follaba, follarte, follarla, foder, fodo, fode, fodendo, fodi, "
        "fodeu, fodia, sucer, suce, suces, sucee, sucees, sucait, sucais, sucant, lecher, "
        "lechait, lechant, lechee, baise, baisee, baisait, branler, branle, "
        "branlait, doigter, doigte, lutschen, lutsch, lutscht, lutschte, gelutscht, lecken, "
        "leck, leckt, leckte, geleckt, blasen, blies, geblasen, ficken, fick, fickt, "
        "fickte, wichsen, wichst"
    ),
    "SLANG_ANATOMY": _words(
        "cock, cocks, dick, dicks, pussy, cunt, tits, titties, boobs, clit, cum, cunny, twat, "
        "butthole, nips, manhood"
    ),
    "ANATOMY": _words(
        "penis, vagina, breasts, breast, nipple, nipples, clitoris, testicles, genitals, "
        "genitalia, vulva, labia, anus, buttocks, crotch, groin, erection, erect"
    ),
    "SEX_VERB": _words(
        "suck*, lick*, stroke*, strok*, rub*, rode, ride*, riding, thrust*, spread*, moan*, "
        "fuck*, finger*, penetrat*, throb*, fondl*, grop*, squeez*, grind*, pound*, slid*, "
        "came, cumming, climax*, orgasm*, swallow*, eat out, ate out, spank*, tease*, "
        "teasing, nibbl*, kiss* down, wet, hard, dripping"
    ),
    "SEX_VERB_STRONG": _words(
        "lick*, suck*, fondl*, grop*, thrust*, penetrat*, moan*, throb*, nibbl*, fingering, "
        "fingered, stroked, stroking, jerked, jerking, played with her, played with his, "
        "grab*, caress*, squeez*"
    ),
    "SEXUAL_MENTION": _words(
        "sex, sexual, sexually, sexy, naked, nude, nudes, nudity, porn*, erotic*, intercourse, "
        "orgasm*, horny, aroused, arousal, masturbat*, hentai, xxx, milf, bdsm, bondage, "
        "fetish*, stripper*, seduc*, lingerie, hooker*, prostitut*, escort service"
    ),
    "NUDES": _words(
        "nudes, nude pics, nude photos, naked pics, naked photos, pics of your tits, "
        "your tits, your dick, dick pics, your pussy, your boobs"
    ),
    "MINOR": _words(
        "child, children, kid, kids, minor, minors, underage, under age, preteen, pre teen, "
        "little girl, little girls, little boy, little boys, schoolgirl, schoolgirls, "
        "schoolboy, toddler, toddlers, infant, loli, lolita, shota, young girl, young boy, "
        "daughter, son, stepdaughter, teenager, 8th grader, middle schooler, "
        "little ones"
    )
    + _phrases(
        "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, one, two, three, four, "
        "five, six, seven, eight, nine, ten, eleven, twelve, thirteen, fourteen, fifteen, "
        "sixteen, seventeen",
        "year old, year olds, years old, yr old, yrs old, yo",
    ),
    # The same in Spanish, Portuguese, French and German, for the minors' floor only (not
    # a word class of the classifier's; "kind" is left out, an English word too).
    "MINOR_ABROAD": _words(
        "nino, nina, ninos, ninas, menor, menores, crianca, criancas, menino, menina, "
        "meninos, meninas, enfant, enfants, mineur, mineurs, kinder, minderjahrig, "
        "minderjahrige, minderjahrigen, hija, hijo, hijas, hijos, filha, filho, filhas, filhos, "
        "tochter, sohn, "
        # "Kind" is English too: only after an article or a possessive.
        "ein kind, einem kind, eines kindes, das kind, dem kind, des kindes, mein kind, "
        "meinem kind, ihr kind, ihrem kind, sein kind, seinem kind, kleines kind, kleinen kind"
    )
    # A child's age: German's adjective ("einem 12-jährigen Mädchen"), or the age after a
    # girl or a boy ("la hija de 9 años"); "hace 5 años" and "depuis 10 ans" are times.
    + _phrases(", ".join(str(age) for age in range(1, 18)), "jahrige, jahrigen, jahriger, jahriges")
    + _phrases(
        "chica de, chico de, hija de, hijo de, menina de, menino de, filha de, filho de, "
        "rapariga de, rapaz de, fille de, garcon de, gamine de, gamin de",
        ", ".join(f"{age} anos, {age} ans" for age in range(1, 18)),
    ),
    # Adults, as the abuser's excuse names them (not word classes of the classifier's,
    # nor are the three below).
    "ADULT": _words("adult, adults, grown ups, adultos, adultes, erwachsene, erwachsenen"),
    # ---- hate and fairness
    # Asking for a joke, what kind, and the joke, in five languages.
    "ASK_FOR": _words(
        "tell, write, give, make, share, know, want, need, conta, cuenta, cuentame, escribe, "
        "escribeme, dime, manda, raconte, ecris, dis, erzahl, schreib"
    ),
    "BIGOTED": _words(
        "racist, sexist, homophobic, antisemitic, transphobic, ableist, islamophobic, racista, "
        "racistas, sexista, sexistas, homofobo, homofobico, homofobica, raciste, racistes, "
        "sexiste, sexistes, homophobe, rassistisch, rassistische, rassistischen, sexistisch, "
        "sexistische, sexistischen, homophoben"
    ),
    "JOKE": _words("joke, jokes, chiste, chistes, piada, piadas, blague, blagues, witz, witze"),
    "GROUP": _words(
        "jews, jewish people, the jews, muslims, christians, catholics, hindus, sikhs, "
        "buddhists, atheists, blacks, black people, black men, black women, whites, "
        "white people, asians, asian people, chinese, chinese people, japanese, koreans, "
        "indians, arabs, africans, mexicans, latinos, latinas, hispanics, immigrants, migrants, "
        "refugees, foreigners, gypsies, roma, gays, gay people, gay men, lesbians, homosexuals, "
        "bisexuals, trans people, transgender people, transgenders, queers, women, females, "
        "disabled people, the disabled, cripples, autistic people, mentally ill people, "
        "old people, the elderly, native americans, indigenous people, aboriginals, "
        "palestinians, israelis, russians, ukrainians, irish, poles, muslim women, "
        "asylum seekers, illegals, negroes, orientals, jew, muslim, immigrant, gay, women drivers"
    ),
    "DEHUMANIZING": _words(
        "animals, animal, vermin, rats, rat, cockroaches, roaches, parasites, parasite, "
        "subhuman, subhumans, sub human, savages, savage, apes, monkeys, pigs, dogs, beasts, "
        "insects, lice, leeches, a disease, a plague, a cancer, a virus, an infestation, filth, "
        "scum, trash, garbage, not human, less than human, an inferior race, mongrels, "
        "breeders, cattle, swine, maggots, a pest, pests, demons, invaders, an infection"
    ),
    "NEG_TRAIT": _words(
        "stupid, dumb, lazy, criminals, thieves, terrorists, rapists, evil, disgusting, dirty, "
        "filthy, greedy, violent, inferior, worthless, untrustworthy, liars, a threat, "
        "the problem, ruining everything, destroying this country, a burden, retarded, ugly, "
        "primitive, barbaric, uncivilized, degenerates, degenerate, perverts, pedophiles, "
        "mentally ill, diseased, freaks, an abomination, abominations, genetically inferior, "
        "less intelligent, not real people, too stupid to, born criminals, useless, a mistake"
    ),
    "QUALIFIER": _words(
        "all, so, just, naturally, genetically, always, inherently, basically, literally, "
        "nothing but, no better than, like, all just, simply, by nature, really, truly"
    ),
    "HATE_VERB": _words(
        "hate, despise, loathe, detest, cant stand, cannot stand, am disgusted by, "
        "want to get rid of, wish we could get rid of"
    ),
    "ELIMINATE": _words(
        "die, be killed, be exterminated, exterminated, be wiped out, wiped out, be gassed, "
        "gassed, be eradicated, eradicated, be hanged, hang, burn, be burned, be shot, "
        "be sterilized, not exist, be purged, purged, be lynched, be eliminated, eliminated, "
        "be put down, be culled, culled, be deported, deported, go back where they came from, "
        "go back to where they came from, get out of our country, be banned, not be allowed, "
        "be segregated, not vote, not have rights, be second class citizens, be locked up, "
        "be thrown out, be rounded up, be thrown off buildings, be thrown off roofs, be stoned, "
        "be beaten, be executed, be castrated, be jailed for being gay, be enslaved, be slaves"
    ),
    "KILL_ALL_VERB": _words(
        "exterminate, kill, gas, eradicate, wipe out, purge, lynch, burn, shoot, hang, cleanse, "
        "nuke, slaughter, massacre, annihilate"
    ),
    "EXCLUDE_VERB": _words(
        "deport, ban, expel, segregate, sterilize, round up, get rid of, lock up, kick out"
    ),
    "SLUR": tuple(codecs.decode(_SLURS_ROT13, "rot13").split()),
    "EXTREMIST": _words(
        "heil hitler, sieg heil, white power, white supremacy, master race, "
        "aryan race, race war, racial holy war, rahowa, gas the, the great replacement, "
        "holocaust never happened, holocaust was a hoax, holocaust is a lie, holocaust was fake, "
        "holocaust didnt happen, hitler was right, jewish question, zog"
    ),
    "HATE_MENTION": _words(
        "racism, racist*, bigot*, discriminat*, hate speech, antisemit*, islamophob*, "
        "homophob*, transphob*, xenophob*, misogyn*, sexism, sexist, slur, slurs, supremacist*"
    ),
}

RULES: Final[tuple[Rule, ...]] = (
    # ---- violence: threats, incitement, instructions, glorification, gore
    Rule(
        "{FIRST} {INTENT} ... {VIOLENT_VERB} {TARGET}",
        6,
        (VIOLENCE,),
        negatable=True,
        unless_next="{POSSESSED}",
    ),
    Rule(
        "{YOU} will|gonna|shall|are|re going|gonna? to? ... {DEATH}", 5, (VIOLENCE,), negatable=True
    ),
    Rule(
        "{INCITE} ... {VIOLENT_VERB} {TARGET}",
        6,
        (VIOLENCE,),
        negatable=True,
        unless_next="{POSSESSED}",
    ),
    Rule("{FIRST}|{INCITE} {INTENT}? ... {THREAT_ACT}", 6, (VIOLENCE,), negatable=True),
    Rule("i|we hope|wish {YOU}|he|she|they ... {DEATH}", 5, (VIOLENCE,), negatable=True),
    # Asking how to threaten ("how to send a death threat"); reporting or receiving one
    # ("report a death threat", "he sent death threats") names no sending verb here.
    Rule(
        "send|write|draft|compose|leave|mail a|an|some|me? death_threat|death_threats|"
        "threatening_letter|threatening_letters|threatening_message|threatening_messages|"
        "threatening_note|threatening_email",
        4,
        (VIOLENCE,),
        negatable=True,
    ),
    Rule(
        "shoot_up|bomb|blow_up|burn_down|firebomb|torch|attack|massacre|storm the|a|that|this|"
        "every|our|their? {PLACE}",
        6,
        (VIOLENCE,),
        negatable=True,
    ),
    Rule(
        "bring|take|carry a|my? gun|guns|rifle|knife|bomb|weapon to {PLACE}|school|work|class",
        5,
        (VIOLENCE,),
        negatable=True,
    ),
    Rule("i know where you|your|they live*", 5, (VIOLENCE,)),
    Rule("watch your back", 4, (VIOLENCE,)),
    Rule("{HOWTO} ... {VIOLENT_VERB} {TARGET}", 6, (VIOLENCE,), unless_next="{POSSESSED}"),
    Rule("{HOWTO} ... {BUILD} a|an|your|my|the|homemade ... {WEAPON_DEVICE}", 6, (VIOLENCE,)),
    Rule(
        "{BUILD} a|an|homemade ... {WEAPON_DEVICE} at|in the? ... school|church|mosque|"
        "synagogue|office|mall|concert|stadium|crowd|subway|airport",
        6,
        (VIOLENCE,),
    ),
    Rule("{BUILD} a|an|homemade|my|your|our ... {WEAPON_DEVICE}", 4, (VIOLENCE,), negatable=True),
    Rule("ammonium nitrate ... fuel oil|diesel", 6, (VIOLENCE,)),
    Rule("{VIOLENT_GERUND} ... {BE} so? {PRAISE}", 5, (VIOLENCE,), negatable=True),
    Rule(
        "{TARGET}|they|he|she|{GROUP} deserve|deserved|deserves to {DEATH}",
        6,
        (VIOLENCE,),
        negatable=True,
    ),
    Rule("the? {ATTACK_EVENT} {BE} a? {PRAISE}", 6, (VIOLENCE,), negatable=True),
    Rule("the? {PERPETRATOR} {BE} a|an|the|our {HERO}", 6, (VIOLENCE,), negatable=True),
    Rule("death to", 6, (VIOLENCE,)),
    Rule(
        "i love|enjoy|like watching|seeing|making? people|animals|them|others suffer|die|"
        "bleed|scream",
        5,
        (VIOLENCE,),
    ),
    Rule("i love|enjoy {VIOLENT_GERUND}", 5, (VIOLENCE,)),
    Rule("{GORE} {GORE_ACTION}", 4, (VIOLENCE,)),
    Rule(
        "rip*|tear*|tore|cut|slic*|gouge*|gouging|peel*|carv* out|open|off {POSSESSIVE} "
        "{BODY_PART}",
        5,
        (VIOLENCE,),
    ),
    Rule("skull|bones|ribs crack*|shatter*|crunch*|splinter*|snap*", 4, (VIOLENCE,)),
    Rule(
        "dismembered|decapitated|disemboweled|eviscerated|mutilated body|bodies|corpse|"
        "corpses|him|her|them|victim*",
        4,
        (VIOLENCE,),
    ),
    Rule("{VIOLENT_MENTION}", 2, (VIOLENCE,)),
    # ---- self-harm: encouragement, methods, ideation, glorification
    Rule("{ENCOURAGE} ... {SELF_HARM_ACT}", 6, (SELF_HARM,), negatable=True),
    Rule(
        "kys|kill_yourself|kill_urself|go_die|hang_yourself|slit_your_wrists|drink_bleach|"
        "unalive_yourself|off_yourself|end_your_life",
        6,
        (SELF_HARM,),
        negatable=True,
    ),
    Rule("starve_yourself|purge_after_eating", 4, (SELF_HARM,), negatable=True),
    Rule("{WORTHLESS}", 5, (SELF_HARM,), negatable=True),
    Rule("{HOWTO} ... {SELF_IDEATION_ACT}", 6, (SELF_HARM,)),
    Rule("lethal|fatal|deadly|overdose dose|amount|quantity|level", 4, (SELF_HARM,)),
    Rule("how many|much {DOSE_UNIT} ... {LETHAL_GOAL}", 6, (SELF_HARM,)),
    Rule("{FIRST_IDEATION} ... {SELF_IDEATION_ACT}", 4, (SELF_HARM,), negatable=True),
    Rule("{SELF_HARM_TOPIC} {BE} so? {SELF_HARM_PRAISE}", 6, (SELF_HARM,), negatable=True),
    Rule("pro_ana|pro_mia|thinspo|thinspiration", 5, (SELF_HARM,)),
    Rule(
        "cut*|carv*|burn* myself|my_wrists|my_arms|my_thighs|my_skin",
        4,
        (SELF_HARM,),
        negatable=True,
    ),
    Rule("{SELF_HARM_MENTION}", 2, (SELF_HARM,)),
    # ---- sexual: explicit acts and anatomy in sexual action, solicitation, minors
    Rule("{EXPLICIT_ACT}", 5, (SEXUAL,)),
    Rule("{SEX_ACT_NAME}|{SEX_ACT_NAME_ABROAD}", 3, (SEXUAL,)),
    Rule("{SEX_VERB} ... {POSSESSIVE}|the|a|your|her|his ... {SLANG_ANATOMY}", 6, (SEXUAL,)),
    Rule("{SLANG_ANATOMY} ... {SEX_VERB}", 5, (SEXUAL,)),
    Rule("{SEX_VERB_STRONG} ... {POSSESSIVE}|the|a|her|his ... {ANATOMY}", 5, (SEXUAL,)),
    # The same abroad: the act on slang anatomy, in either order (German puts the verb
    # last: "deine Titten lecken"), or on the genitals' plain names.
    Rule("{EXPLICIT_ACT_ABROAD}", 5, (SEXUAL,)),
    Rule(
        "{SEX_VERB_ABROAD} ... {SLANG_ANATOMY_ABROAD}|{SLANG_ALSO_EVERYDAY}|{SLANG_ANATOMY}",
        6,
        (SEXUAL,),
    ),
    Rule("{SLANG_ANATOMY_ABROAD} ... {SEX_VERB_ABROAD}", 5, (SEXUAL,)),
    # "Schwanz" is also a tail, which dogs lick: only sucked or blown.
    Rule("lutsch*|gelutscht|blasen|blies|geblasen ... schwanz", 6, (SEXUAL,)),
    Rule("{SEX_VERB_ABROAD} ... {ANATOMY_ABROAD}", 5, (SEXUAL,)),
    Rule(
        "fuck*|screw*|bang*|pound* {PRONOUN} hard*|deep*|raw|senseless|"
        "till|until|silly|all_night|from_behind",
        6,
        (SEXUAL,),
        unless_next="thin|flat|flatter|tender|smooth|even|fine|soft",
    ),
    # Also in Spanish, Portuguese, French and German, where the English "nudes" is as
    # common as the native words.
    Rule(
        "send|show|want|give|manda|mande|mandame|mandeme|envia|envie|enviame|envoie|envoies|"
        "schick|schicke|schickt me? ... {NUDES}|nudez|nacktbilder|nacktfotos|fotos_desnuda|"
        "fotos_nua|photos_nue",
        5,
        (SEXUAL,),
    ),
    Rule("see|seeing|watch|watching you|u|her|him naked|nude", 4, (SEXUAL,), negatable=True),
    Rule("i|he|she|we|they|you fucked|fucks|fucking|banged|screwed {PRONOUN}", 5, (SEXUAL,)),
    Rule("have|having|had sex|intercourse with", 3, (SEXUAL,)),
    Rule(
        "eat|eats|eating|ate|lick|licks|licking|licked|suck|sucks|sucking|sucked {SLANG_ANATOMY}",
        5,
        (SEXUAL,),
    ),
    Rule("double_penetration|double_penetrations", 5, (SEXUAL,)),
    # A gang rape, in slang, as a threat.
    Rule("run|runs|running|ran a? train on {PRONOUN}|u|ya", 6, (SEXUAL, VIOLENCE)),
    # Children said to want or enjoy sex with adults: the abuser's excuse, in five
    # languages (scored at the top by the minors' floor).
    Rule(
        "{MINOR}|{MINOR_ABROAD} can|could|do|also|really|actually|secretly|"
        "tambien|tambem|aussi|auch? "
        "enjoy|like|love|want|crave|desire|disfrutan|quieren|gostam|querem|aiment|veulent ... "
        "sex|sexo|sexe ... {ADULT}",
        6,
        (SEXUAL,),
    ),
    Rule(
        "{MINOR}|{MINOR_ABROAD} ... sex ... {ADULT} geniesen|wollen|mogen|lieben|enjoy",
        6,
        (SEXUAL,),
    ),
    Rule("{SEXUAL_MENTION}", 2, (SEXUAL,)),
    Rule("rape|raped|rapes|raping {PRONOUN}|{TARGET}", 6, (SEXUAL, VIOLENCE), negatable=True),
    Rule(
        "{YOU}|ur|youre|youll are|will|r? gonna|going_to? get|getting|be|being raped|molested|"
        "gangbanged|gang_raped",
        6,
        (SEXUAL, VIOLENCE),
        negatable=True,
    ),
    Rule(
        "deserve|deserves|deserved to be raped|molested|gangbanged|gang_raped",
        6,
        (SEXUAL, VIOLENCE),
        negatable=True,
    ),
    # Dying "at my hands": a threat, in five languages. (Its hand, four letters or more,
    # is what the anchor pass looks for: "die" is also German's "the".)
    Rule(
        "die|dies|death|morir|morira|muerte|morrer|morrera|morte|mourir|mourra|mort ... "
        "at|by|de|por|par|pelas|pela my|mis|mi|minhas|minha|mes|ma "
        "hand|hands|manos|mano|maos|mains",
        6,
        (VIOLENCE,),
        negatable=True,
    ),
    Rule("durch meine|meiner hand|hande ... tod|sterben", 6, (VIOLENCE,), negatable=True),
    # Threats in Spanish, Portuguese, French and German (``INTENT_ABROAD`` and after).
    Rule(
        "{INTENT_ABROAD} ... {KILL_ABROAD} {DET_ABROAD}? {VICTIM_ABROAD}",
        6,
        (VIOLENCE,),
        negatable=True,
        unless_next="{NOT_A_THREAT}",
    ),
    Rule(
        "{INTENT_OBJECT_ABROAD} ... {KILL_ABROAD}",
        6,
        (VIOLENCE,),
        negatable=True,
        unless_next="{NOT_A_THREAT}",
    ),
    Rule(
        "{INTENT_ABROAD} ... {KILL_JOINED_ABROAD}",
        6,
        (VIOLENCE,),
        negatable=True,
        unless_next="{NOT_A_THREAT}",
    ),
    Rule(
        "voy_a|vamos_a|quiero|tengo_que|tenemos_que|hay_que ... {KILL_ABROAD} a|al {DET_ES}? "
        "{VICTIM_ES}",
        6,
        (VIOLENCE,),
        negatable=True,
        unless_next="{NOT_A_THREAT}",
    ),
    Rule(
        "je|j|on te|vous tue|bute|egorge|etrangle|poignarde|flingue|{KILL_FUTURE_ABROAD}",
        6,
        (VIOLENCE,),
        negatable=True,
        unless_next="{NOT_A_THREAT}",
    ),
    Rule("je|j|on tegorge|tegorgerai|tetrangle|tetranglerai", 6, (VIOLENCE,), negatable=True),
    Rule(
        "te|os mato|matare|apunalo|degollo|estrangulo|ahorco|esfaqueio",
        6,
        (VIOLENCE,),
        negatable=True,
        unless_next="{NOT_A_THREAT}",
    ),
    Rule(
        "{KILL_FUTURE_ABROAD} {DET_ABROAD}? {VICTIM_ABROAD}",
        6,
        (VIOLENCE,),
        negatable=True,
        unless_next="{NOT_A_THREAT}",
    ),
    Rule(
        "{KILL_FUTURE_ABROAD} a|al {DET_ES}? {VICTIM_ES}",
        6,
        (VIOLENCE,),
        negatable=True,
        unless_next="{NOT_A_THREAT}",
    ),
    Rule("{INTENT_DE} ... {DET_DE}? {OBJECT_DE} ... {KILL_DE}", 6, (VIOLENCE,), negatable=True),
    # Orders to a crowd ("matad", "tuez", "tötet") and the present for the future
    # ("mañana mato a mi jefe", "demain je tue mon patron"), a person named after.
    Rule(
        "matad|maten|matemos|apunalad|quemad|linchad|mato|apunalo a|al {DET_ES}? {VICTIM_ES}",
        6,
        (VIOLENCE,),
        negatable=True,
    ),
    Rule(
        "matem|tuez|tuons|lynchez|brulez|mato|esfaqueio|estrangulo {DET_ABROAD}? {VICTIM_ABROAD}",
        6,
        (VIOLENCE,),
        negatable=True,
        unless_next="{NOT_A_THREAT}",
    ),
    # French "tue" is also "kills" ("le héros tue un Arabe"): only with "je".
    Rule(
        "je|j tue|bute|poignarde|egorge {DET_ABROAD}? {VICTIM_ABROAD}",
        6,
        (VIOLENCE,),
        negatable=True,
    ),
    Rule("totet|erschiest|ersticht|lyncht|verbrennt {DET_DE}? {OBJECT_DE}", 6, (VIOLENCE,)),
    Rule("bringt {DET_DE}? {OBJECT_DE} ... um", 6, (VIOLENCE,), unless_next="{NOT_A_THREAT}"),
    Rule(
        "ich|wir erschiese|erschiesse|ersteche|erwurge|tote|ermorde|vergewaltige|vergase dich|euch",
        6,
        (VIOLENCE,),
        negatable=True,
    ),
    Rule(
        "ich|wir stech|steche|knall|knalle {DET_DE}? {OBJECT_DE} ... ab",
        6,
        (VIOLENCE,),
        negatable=True,
    ),
    Rule("ich|wir schlag|schlage {DET_DE}? {OBJECT_DE} ... tot", 6, (VIOLENCE,), negatable=True),
    Rule(
        "ich|wir bring|bringe {DET_DE}? {OBJECT_DE} ... um",
        6,
        (VIOLENCE,),
        negatable=True,
        unless_next="{NOT_A_THREAT}",
    ),
    # Burning a building "with them inside", or a place of worship, in five languages
    # (German puts the verb last).
    Rule(
        "burn|torch|quemar|queimar|bruler|incendier|anzunden|abfackeln ... with|con|avec|com|"
        "mit them|ellos|ellas|eux|elles|eles|elas|ihnen|everyone|todos|tous inside|in_it|"
        "dentro|dedans|drin",
        6,
        (VIOLENCE,),
        negatable=True,
    ),
    Rule("mit ihnen|allen drin|darin ... anzunden|abfackeln|verbrennen", 6, (VIOLENCE,)),
    Rule(
        "{INTENT_ABROAD} ... quemar|incendiar|queimar|incendiar|bruler|incendier "
        "la|las|a|as|les|une|des|una|uma? {WORSHIP}",
        6,
        (VIOLENCE,),
        negatable=True,
    ),
    Rule(
        "{INTENT_DE} ... {WORSHIP} ... anzunden|abfackeln|niederbrennen",
        6,
        (VIOLENCE,),
        negatable=True,
    ),
    # ---- hate and fairness: dehumanisation, elimination, contempt, slurs, extremism
    # Asking for jokes that demean a group, in five languages (the adjective before the
    # joke or, in Spanish, Portuguese and French, after it).
    Rule("{ASK_FOR} ... {BIGOTED} {JOKE}", 4, (HATE,), negatable=True),
    Rule("{ASK_FOR} ... {JOKE} {BIGOTED}", 4, (HATE,), negatable=True),
    Rule("{GROUP}|{SLUR} {BE} {QUALIFIER}? {QUALIFIER}? a|an? {DEHUMANIZING}", 6, (HATE,)),
    Rule("those|these people|ones {BE} {QUALIFIER}? a|an? {DEHUMANIZING}", 4, (HATE,)),
    Rule(
        "{GROUP}|{SLUR} belong|belongs in_the_kitchen|in_cages|in_a_cage|in_zoos|in_chains|"
        "in_camps|in_ovens|in_the_gas_chamber|in_the_ground",
        5,
        (HATE,),
    ),
    Rule(
        "{GROUP}|{SLUR} should|must|need_to|needs_to|ought_to|deserve_to|have_to|has_to|will|"
        "shall all? {ELIMINATE}",
        6,
        (HATE,),
        unless_next="fewer|more|calories|fat|energy|off",
    ),
    Rule(
        "{KILL_ALL_VERB} all|every|the|those|these? the? {GROUP}|{SLUR}",
        6,
        (HATE, VIOLENCE),
        negatable=True,
        unless_next="{POSSESSED}",
    ),
    Rule(
        "{EXCLUDE_VERB} all|every|the|those|these? the? {GROUP}|{SLUR}", 5, (HATE,), negatable=True
    ),
    Rule("{GROUP}|{SLUR} {BE} {QUALIFIER}? {QUALIFIER}? {NEG_TRAIT}", 4, (HATE,)),
    Rule(
        "i|we {HATE_VERB} all|the|those|these? {GROUP}|{SLUR}",
        4,
        (HATE,),
        negatable=True,
        unless_next="{POSSESSED}",
    ),
    Rule(
        "odiamos|detesto|aborrezco|odeio a? los|las|os|as|todos_los|todas_las|todos_os? "
        "{GROUP_ABROAD}",
        4,
        (HATE,),
        negatable=True,
    ),
    # The colours that name people in hatred, only where a person is meant: Spanish marks
    # one with "a" ("detesto a los negros", not "detesto las negras", the notes).
    Rule("odiamos|detesto|aborrezco a los|las negros|negras", 4, (HATE,), negatable=True),
    Rule(
        "odeio|odiamos|detesto os|as|esses|essas|estes pretos|pretas|negros|negras",
        4,
        (HATE,),
        negatable=True,
    ),
    Rule("je|j|on deteste|hais|execre les|tous_les? {GROUP_ABROAD}", 4, (HATE,), negatable=True),
    # Hatred one says one has ("j'ai tellement de haine pour", "ich habe so viel Hass auf"),
    # not hatred spoken of ("la haine contre les juifs", "den Hass auf Muslime bekämpfen").
    Rule(
        "jai tellement|tant|trop|beaucoup|une? de|la? haine pour|envers|contre les|tous_les? "
        "{GROUP_ABROAD}",
        4,
        (HATE,),
        negatable=True,
    ),
    Rule(
        "ich|wir hab|habe|haben so|solchen|solch|viel|einen|nur? ... hass auf die|alle|diese? "
        "{GROUP_ABROAD}",
        4,
        (HATE,),
        negatable=True,
        unless_next="{NEGATION_AFTER}",
    ),
    Rule(
        "ich|wir hasse|hassen die|alle|diese? {GROUP_ABROAD}",
        4,
        (HATE,),
        negatable=True,
        unless_next="{NEGATION_AFTER}",
    ),
    # "Death to" a group, in three languages ("death to" alone is a rule above; German's
    # "Tod" would make every "today" a candidate).
    Rule(
        "muerte|morte|mort a|al|aos|ao|as|aux|au los|las|os|as? {GROUP_ABROAD}",
        6,
        (HATE, VIOLENCE),
    ),
    Rule(
        "tod den|allen juden|auslandern|kanaken|schwulen|muslimen|zigeunern|fluchtlingen",
        6,
        (HATE, VIOLENCE),
    ),
    Rule("no {GROUP}|{SLUR} allowed", 5, (HATE,)),
    # Asking for a justification of exclusion ("why should X not be admitted ...?").
    Rule(
        "why should {GROUP} not|never be allowed|admitted|permitted|hired|trusted|accepted",
        4,
        (HATE,),
    ),
    Rule("why shouldnt {GROUP} be allowed|admitted|permitted|hired|trusted|accepted", 4, (HATE,)),
    Rule("{SLUR}", 5, (HATE,)),
    Rule("{EXTREMIST}", 6, (HATE,)),
    # The numeric codes are common as plain numbers ("issue #1488"): only with company.
    Rule("{EXTREMIST}|aryan|nazi|nazis|hitler|heil|wpww ... 1488|14_88", 6, (HATE,)),
    Rule("1488|14_88 ... {EXTREMIST}|aryan|nazi|nazis|hitler|heil|wpww", 6, (HATE,)),
    Rule("{HATE_MENTION}", 2, (HATE,)),
)

# Ordinary language that borrows harm words. Matches are blanked out before the
# rules run, so "kill the process and then kill him" still scores the second half.
BENIGN: Final[tuple[str, ...]] = (
    "kill|kills|killed|killing the|a|this|that|any|all|its|my|your|our|their|every|these|"
    "those|each|stale|hung|zombie|old|running|idle|orphaned|background|stuck|frozen|hanging|child? "
    "{SOFTWARE}",
    "kill {SOFTWARE}",
    "kill|kills|killed|killing the|a|any|all|every|each stale|hung|zombie|old|running|idle|"
    "orphaned|background|stuck|frozen|hanging|runaway|child? {SOFTWARE}",
    "shoot|shoots|shooting|shot a|an|the|some|me|us short|quick|brief|new|test? screen? "
    "recording|recordings|clip|clips|screenshot|screenshots|screencast|screencasts|selfie|"
    "selfies|reel|reels|vlog|vlogs",
    "kill* switch|switches|time|chain|feature|joy",
    "kill|killing|killed it",
    "kill for a|an|some",
    "murder|murdered a|an|some|the pizza|pizzas|curry|burger|burgers|kebab|pint|pints|beer|"
    "coffee|sandwich|steak|fries|chips|takeaway|cake|biscuit|biscuits|song|tune|karaoke",
    "killer app|apps|feature|features|deal|deals|look|view|views|idea|ideas|combo|workout|"
    "smile|tune|tunes|track|instinct|sudoku|whale|whales|queen|heels|bee|bees|line|lines|"
    "content|performance|price|prices|design",
    "shoot|shoots|shooting|shot a|an|the|some|our|my|your|his|her|their? photo|photos|picture|"
    "pictures|video|videos|film|movie|scene|scenes|email|message|note|hoops|portrait|"
    "portraits|footage|commercial|episode|pilot|wedding|documentary|campaign|line",
    "shoot the breeze",
    "shoot for the stars|moon",
    "shoot|send {PRONOUN} a|an? text|email|message|note|line|invite|invitation",
    "kill|killing {PRONOUN}|{TARGET}? with kindness",
    "bomb shelter|shelters",
    "dead to me",
    "animal lovers|rights|welfare|shelter|shelters",
    "photo|fashion|video|film shoot|shoots",
    "shooting star|stars|guard|range|percentage|gallery",
    "execut* the|a|this|our|your|that|each|every? plan|plans|query|queries|code|script|scripts|"
    "order|orders|command|commands|program|task|tasks|trade|trades|strategy|contract|function|"
    "step|steps|instruction|instructions|test|tests|job|jobs|migration|request|transaction|"
    "transactions|will|workflow|pipeline|vision",
    "execution plan|time|engine|context|environment|order|policy|speed",
    # The passive of the same: "the next line that will be executed", "tests were executed".
    "line|lines|statement|statements|code|command|commands|query|queries|script|scripts|program|"
    "programs|task|tasks|function|functions|callback|callbacks|job|jobs|step|steps|instruction|"
    "instructions|test|tests|trade|trades|transaction|transactions|request|requests|block|blocks|"
    "hook|hooks|migration|migrations|contract|contracts|order|orders that|which|to? will|would|"
    "is|are|was|were|gets|get|should|must|can|may|might? be|being|been? executed",
    "bomb squad|disposal|technician|technicians",
    "bomb threat drill|drills",
    "photobomb*|bath_bomb*|da_bomb|f_bomb|love_bomb*",
    "bomb* the|my|an|that exam|test|interview|audition|quiz|presentation",
    "the bomb dot com",
    "dying to see|know|try|meet|hear|go",
    "die cast|casting",
    "the die is cast",
    "to die for",
    "die laughing|of_embarrassment|of_boredom|of_shame|of_laughter",
    "attack surface|vector|vectors|plan|angle|speed|damage|bonus|power|helicopter",
    "heart|panic|anxiety|asthma|shark attack|attacks",
    "beat the|a|my|your|our eggs|egg whites|record|deadline|traffic|heat|odds|game|level|boss|"
    "rush|crowd|competition|market|system|clock|high_score|batter",
    "cut the|a|an|my|your|our? onions|onion|cake|costs|cost|hair|paper|ribbon|corners|grass|wood|"
    "budget|cheese|bread|fabric|rope|wire|cord|losses|prices|carbs|sugar|tree|vegetables",
    "cut myself a slice|piece",
    # Accidents, not self-harm: "you can cut yourself on that blade", "cut myself shaving".
    "cut|cuts|cutting myself|yourself|himself|herself|themselves on a|an|the|that|this|some|"
    "my|your|his|her|their|its? broken|rusty|sharp? glass|blade|blades|knife|knives|edge|edges|"
    "paper|tin|can|lid|metal|wire|saw|thorn|thorns|shard|shards|razor|scissors",
    "cut|cuts|cutting myself|yourself|himself|herself|themselves shaving|chopping|slicing",
    "sharp enough to cut",
    "hang out|up|on|in_there|tight|around",
    "suicide squad|doors|door|prevention|hotline|helpline|lifeline|awareness|hotlines",
    "glue|nail|staple|heat|top|spray|water|nerf|radar gun|guns",
    "jump the gun",
    "smoking gun",
    "son of a gun",
    "flu|booster|vaccine|covid|tetanus|mug|screen|big|long|parting|moon|slap shot|shots",
    "give it a shot",
    "shot glass|glasses|put|clock",
    "dead battery|link|links|code|end|line|heat|pixel|pixels|weight|lock|letter|zone|center|"
    "tired|serious|simple|easy|on|set",
    "war room|games|stories|story",
    "sex education|ed|educator|positive|worker|workers|chromosomes|chromosome|hormones|cells|"
    "ratio|determination|of_the_patient|of_the_baby|of_the_animal|of_the_child",
    "same sex|opposite sex",
    "sexual health|orientation|harassment|reproduction|selection|dimorphism|education|"
    "assault_awareness|abuse_prevention",
    "breast cancer|milk|feeding|feed|pump|exam|exams|screening|stroke",
    "chicken breast|breasts",
    "the|a|his|her|your|my? hard drive|disk|disc|work|worker|workers|part|way|time|copy|cover|"
    "question|questions|problem|problems",
    "pound cake|of",
    "killing time",
    "treat|treating|recognize|recognise|recognizing|prevent|preventing|reverse|reversing|"
    "survive|survived|survivors|signs_of|symptoms_of|respond_to|responding_to|after|from an|a? "
    "overdose|overdoses",
    "blow up|blew up|blowing up the|a|this|that? balloon|balloons|photo|picture|image|phone|"
    "internet|chat",
    "startup|video|post|tweet|story blew up",
    # Help after an assault is asked for in the second person too.
    "if|after|whether {YOU}|ur|youre|youve get|got|are|were|have_been|been|r raped|molested|"
    "assaulted",
    # Everyday words that share letters with a slur or a harm: a cat breed, an actor, a
    # cleaner, an idiom, a gearbox, birds, a degree, a novel, fuel, kitchen and garden
    # "bombs", cache purges, charcoal, a pet's poisoning.
    "maine coon|coons",
    "van dyke|dykes",
    "spic and span",
    "chink in the|their|his|her|my|your|our|its armor|armour",
    "tranny fluid|slipping|shop|rebuild|cooler|mount|problems",
    # (birds by their kind: not "great", a compliment too)
    "blue|coal|crested|marsh|willow|bearded tit|tits",
    "cum_laude|magna_cum_laude|summa_cum_laude",
    "moby dick",
    "gas the|my|your|our car|tank|truck|van|mower|boat|generator|scooter",
    "seed|chocolate|cocoa|confetti|glitter|shower|flavor|flavour|cheese bomb|bombs",
    "surge|noise|spark|cough|appetite suppressor|suppressors",
    "purge|purging|purged the|a|old|all|your|its|our|my? cache|caches|backups|logs|queue|"
    "queues|data|records|files|bucket|cdn|history|database|table|tables|branches|memory|"
    "messages|inbox",
    "burn|burning|quemar|queimar|bruler|verbrennen charcoal|carbon|carvao|charbon|holzkohle",
    # (a pet's poisoning only as a question of what would harm it: "how much chocolate
    # would kill a dog", not "how to poison a dog")
    "would|can|might|does|do kill|harm|poison a|my|the|your? dog|cat|puppy|kitten|pet|horse|"
    "parrot|bird",
    "pressure|weight|burden|stress|heat|edge off yourself",
    # Getting over it is not praising it ("recovery from anorexia is freeing").
    "recovery|recovering|recovered|free|freedom|healing|healed|surviving|survived|"
    "overcoming|overcame|beating|beat|life_after from? self_harm|selfharm|self_injury|"
    "anorexia|bulimia|suicide|suicide_attempt|an_eating_disorder",
    # Wanting to stop hurting oneself is asking for help ("I can't stop cutting myself"
    # and "I will never stop" are not).
    "how_to|how_do_i|how_can_i|want_to|trying_to|try_to|help_me|ways_to|tips_to stop|quit|"
    "resist to? cut|cutting|burn|burning|hurt|hurting|harm|harming myself",
    # Asking what an extremist or pro-eating-disorder idea is, or standing against it, is
    # not promoting it.
    "what_is|what_was|what_does|what_did|whats|define|defining|definition_of|history_of|"
    "origins_of|rise_of|against|oppose|opposes|opposed|opposing|combat|combating|condemn|"
    "condemns|condemned|reject|rejects|rejected|denounce|denounced the? white_supremacy|"
    "master_race|aryan_race|race_war|great_replacement|jewish_question|pro_ana|pro_mia|"
    "thinspo|thinspiration",
)


# Frames the learned half over-reads: it has met their words mostly in harmful requests.
# Each is checked only for a sentence the learned half reads as harmful, and each is
# narrow: frames that held more (naming a sex act, help around self-harm, a victim's
# report, games, refusals) let harm phrased inside them through, in two outside reads.
_ADDRESSED = "i|me|my|myself|we|us|our|you|your|yourself|u|ur"
_EVERY = (HATE, SELF_HARM, SEXUAL, VIOLENCE)
# Groups and contempt in the other four languages (the classes are English).
_LOADED_ABROAD = (
    "judios|judeus|juifs|juden|musulmanes|muculmanos|musulmans|muslime|negros|noirs|"
    "schwarze|gitanos|ciganos|gitans|zigeuner|inmigrantes|imigrantes|immigres|einwanderer|"
    "auslander|homosexuales|homossexuais|homosexuels|schwule|ratas|ratos|rats|ratten|"
    "ungeziefer|untermenschen|cucarachas|baratas|cafards|basura|lixo|ordures|abschaum|"
    "parasitos|parasites|parasiten|vermes|macacos|monos|singes|affen|animales|animais|"
    "animaux|tiere"
)
# What turns asking what something is into a loaded question about people.
_LOADED = (
    f"{{GROUP}}|{{SLUR}}|{{NEG_TRAIT}}|{{DEHUMANIZING}}|{_LOADED_ABROAD}|wrong|good|bad|"
    "problem|worst|best"
)
HOLDS: Final[tuple[Hold, ...]] = (
    # Asking what a word or a thing is, and only that ("What is ethnic cleansing?",
    # "What does 'binge and purge' mean?"), in five languages.
    Hold(
        "what|whats is|are|was|were a|an|the? ...",
        _EVERY,
        unless=f"{_ADDRESSED}|{_LOADED}|way|ways|easiest|quickest|fastest|method|methods|dose",
    ),
    Hold("what|whats is|was the? definition|meaning of ...", _EVERY, f"{_ADDRESSED}|{_LOADED}"),
    Hold("what does|do ... mean|means", _EVERY, f"{_ADDRESSED}|{_LOADED}"),
    Hold("define|definition ...", _EVERY, f"{_ADDRESSED}|{_LOADED}"),
    *(
        Hold(
            pattern,
            _EVERY,
            unless=f"{_LOADED}|yo|me|mi|te|tu|je|moi|ich|mich|eu|voce|manera|forma|facon|"
            "moyen|weg|maneira|mejor|meilleur|beste|melhor",
        )
        for pattern in (
            "que es|son|era|fue|significa ...",
            "o que e|sao|era|foi|significa ...",
            "quest ce que|quun|quune|qu ...",
            "que veut_dire|signifie ...",
            "was ist|sind|war|waren|bedeutet ...",
        )
    ),
    # Asking why a group keeps a custom ("Why do Sikh men wear turbans?", "Why do
    # Muslims fast in Ramadan?"), and only that.
    Hold(
        "why|por_que|porque|pourquoi|warum do|does|los|las|os|as|les|tragen|fasten|beten ... "
        "wear|fast|pray|celebrate|observe|cover|llevan|usan|ayunan|rezan|celebran|usam|"
        "jejuam|rezam|celebram|portent|jeunent|prient|celebrent ...",
        (HATE,),
        unless="{SLUR}|{NEG_TRAIT}|{DEHUMANIZING}|always|all|so|still|even|those|these|weird|"
        "strange|wrong|bad|problem|hate|force|forced|make|pedophile|pedofilo|satan|devil|"
        "diablo|diabo|diable|teufel|money|dinero|dinheiro|argent|geld|siempre|todos|toujours|"
        "tous|immer|alle|sempre",
    ),
)
