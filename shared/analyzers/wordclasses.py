"""Word classes the classifier generalises through: the rules' lexicon, in five languages.

A bag of words learns only the words it was trained on; "gouge" never seen in
training weighs nothing. So every word is also read as its class ("{VIOLENT}",
"{WEAPON}", "{SEXBODY}", ...), and the classifier learns, say, "{VIOLENT} my
{KIN}" once for every verb of the class. English classes come from the rule
engine's lexicon (``lexicon.CLASSES``); the Spanish, French, German and
Portuguese words below give the same classes to the other languages, so a
pattern learned from English examples carries over to them. Changing either
changes the features: retrain (``make train``).
"""

from __future__ import annotations

import functools
from typing import Final

from shared.analyzers.lexicon import CLASSES

# Coarse class -> the lexicon classes it gathers.
_FROM_LEXICON: Final = {
    "VIOLENT": ("VIOLENT_VERB", "VIOLENT_GERUND", "VIOLENT_MENTION", "KILL_ALL_VERB"),
    "DEATH": ("DEATH",),
    "WEAPON": ("WEAPON_DEVICE",),
    "ATTACK": ("ATTACK_EVENT", "PERPETRATOR"),
    "GORE": ("GORE", "BODY_PART"),
    "PRAISE": ("PRAISE", "HERO"),
    "SELFHARM": ("SELF_HARM_MENTION", "SELF_HARM_TOPIC", "DOSE_UNIT", "SELF_HARM_ACT"),
    "SEXACT": ("EXPLICIT_ACT", "SEX_VERB_STRONG"),
    "SEXBODY": ("SLANG_ANATOMY", "ANATOMY"),
    "SEX": ("SEXUAL_MENTION", "NUDES"),
    "MINOR": ("MINOR",),
    "GROUP": ("GROUP",),
    "DEHUMAN": ("DEHUMANIZING",),
    "NEGTRAIT": ("NEG_TRAIT",),
    "HATEVERB": ("HATE_VERB",),
    "ELIMINATE": ("ELIMINATE", "EXCLUDE_VERB"),
    "SLUR": ("SLUR",),
    "SOFTWARE": ("SOFTWARE",),
    "PERSON": ("PRONOUN", "YOU"),
}

# Classes that place harm in context without being harm: a text whose words
# have only these (or none) never reaches the classifier (see ``anchors``).
# A group named is not hate by itself ("Muslims and Jews live side by side").
CONTEXT: Final = frozenset({"SOFTWARE", "PERSON", "MINOR", "GROUP"})

# The same classes in Spanish, French, German and Portuguese, folded as
# ``normalize`` folds them (no accents, lower case), and English words the
# lexicon's rules did not need. A trailing * is a stem.
_MORE_WORDS: Final = {
    "VIOLENT": (
        "hit hits hitting punch* kick* stomp* beat beats beaten bludgeon* maim* mutilat* "
        "dismember* disembowel* drown* poison* torture* abduct* kidnap* assault* batter* "
        "pummel* smash* slash* hack stab* behead* lynch* execute executed bash* cripple* hurt "
        "hurting injure* wound* ambush* arson* massacre* rape raping raped matar* mato mata "
        "matare asesin* apunal* acuchill* golpe* pegarle pegar estrangul* envenen* dispar* "
        "degoll* tortur* ahog* apalea* revent* quemar* tuer tue tuerai tues poignard* frapp* "
        "etrangl* empoison* tirer egorg* noyer noie tabass* massacr* flinguer buter bute toten "
        "tote totet umbringen umbring* erstech* erschies* erwurg* vergift* verprugel* ertrank* "
        "folter* abstech* erschlag* totschlag* ermord* schlagen esfaque* bater espanc* atirar "
        "atire degol* afog* enforc* assassin* machuc*"
    ),
    "DEATH": (
        "muerte muerto muertos morir mort morts mourir tod tot tote tode sterben morte morto"
    ),
    "WEAPON": (
        "hammer machete knife knives gun guns rifle rifles pistol pistols shotgun ar15 ammo "
        "acid gasoline petrol nails shrapnel detonat* grenade* landmine* bomba bombas bombe "
        "bomben explosivo explosivos explosif explosifs sprengstoff rohrbombe pistola fusil "
        "arma armas gewehr waffe pistole cuchillo couteau messer faca machete"
    ),
    "GORE": ("sangre sang blut sangue tripas entrailles garganta gorge kehle garganta"),
    "SELFHARM": (
        "noose razor razors wrists slit bleed hanging starve starving purg* suicid* ahorcarme "
        "ahorcar cortarme venas pastillas pendre veines cachets scarifi* pulsadern tabletten "
        "ritzen erhangen selbstmord suizid enforcar pulsos comprimidos vomitar* vomir"
    ),
    "SEXACT": (
        "follar* follo folla chupar* chupo mamada baiser baise sucer suce fellation ficken "
        "fick* lutsch* blasen foder fode transar transam chupou gozar jouir correrse"
    ),
    "SEXBODY": (
        "polla pene cono tetas pechos bite chatte seins schwanz muschi titten pau buceta peitos"
    ),
    "SEX": (
        "fuck fucks fucked fucking cum cumming orgasm* masturbat* horny porn* erotic* sexo "
        "sexual sexe sexuel porno desnuda desnudo nue nu nackt pelada pelado erotico erotique"
    ),
    "MINOR": ("nino nina ninos enfant enfants kind kinder crianca criancas menor mineur"),
    "DEHUMAN": (
        "inferior subhuman subhumans filth scum disgusting savages plague infestation ratas "
        "parasitos animales cucarachas basura plaga rats parasites animaux cafards vermine "
        "ordures ratten parasiten tiere ungeziefer abschaum ratos parasitas animais baratas "
        "lixo praga"
    ),
    "HATEVERB": ("odio odiamos deteste hais hasse hassen odeio"),
    "ELIMINATE": ("exterminar exterminer ausrotten vergasen deportar deporter abschieben eliminar"),
}

_STEM_LENGTHS: Final = (7, 6, 5, 4)  # a stem is matched on a word's first 4 to 7 letters


@functools.cache
def word_classes() -> tuple[dict[str, str], dict[str, str]]:
    """Whole words and stems (cut to at most 7 letters) -> their class tag, e.g.
    "{VIOLENT}", or "{DEATH|ELIMINATE}" for a word in two classes."""
    words: dict[str, set[str]] = {}
    stems: dict[str, set[str]] = {}

    def add(entry: str, name: str) -> None:
        if " " in entry or "_" in entry:
            return
        if entry.endswith("*") and len(entry) > min(_STEM_LENGTHS):
            stems.setdefault(entry[:-1][: max(_STEM_LENGTHS)], set()).add(name)
        else:
            words.setdefault(entry.rstrip("*"), set()).add(name)

    for name, sources in _FROM_LEXICON.items():
        for source in sources:
            for entry in CLASSES[source]:
                add(entry, name)
    for name, entries in _MORE_WORDS.items():
        for entry in entries.split():
            add(entry, name)

    def tags(table: dict[str, set[str]]) -> dict[str, str]:
        return {key: "{" + "|".join(sorted(names)) + "}" for key, names in table.items()}

    return tags(words), tags(stems)


@functools.cache
def anchors() -> frozenset[str]:
    """The tags that mark a word of harm: any tag naming a class outside ``CONTEXT``."""
    tags = {t for table in word_classes() for t in table.values()}
    return frozenset(t for t in tags if not CONTEXT.issuperset(t.strip("{}").split("|")))


def tag(word: str) -> str | None:
    """The class tag of ``word``, if it has one."""
    words, stems = word_classes()
    found = words.get(word)
    if found is None:
        for length in _STEM_LENGTHS:
            if len(word) >= length and (found := stems.get(word[:length])) is not None:
                break
    return found
