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
    "SEXACT": ("EXPLICIT_ACT", "SEX_ACT_NAME", "SEX_VERB_STRONG"),
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
        "atire degol* afog* enforc* assassin* machuc* torch torched torching gut gutted "
        "disembowel strangl* smother* suffocat* maul* slaughter* butcher* impal* eviscerat* "
        "decapitat* incinerat* firebomb* shank* shiv knifed knifing gunned clobber* pistol-whip "
        "throttl* electrocut* annihilat* exterminat* murder* homicid* assassinat* bomb bombing "
        "bombs kill kills killed killing shot shoot shooting rammed ramming atropell* apalizar "
        "paliza punetazo* punetazos patada* cuchillad* navajazo* balazo* tiro tiros herir hiero "
        "romper rompo rompe quemar incendiar linchar descuartiz* ecraser ecrase eventrer "
        "eventre briser brise cogner tabasse flingue incendier lyncher blesser bless* egorge "
        "poignarde etrangle uberfahren uberfahre erwurgen erstechen erschiessen verletzen "
        "verletze zunden anzunden aufschlitzen schlitze brechen breche pruegeln prugeln lynchen "
        "abknallen atropelar atropelo quebrar quebro socar socando queimar ferir fere esfaquear "
        "esfaqueamento apunhalar estrangular espancar"
    ),
    "DEATH": (
        "muerte muerto muertos morir mort morts mourir tod tot tote tode sterben morte morto "
        "dead die dying died death kill* corpse corpses murder* muera mueran vida matarte "
        "matarlo matarla meurs meure crever creve vie stirb leben umbringen morrer morra"
    ),
    "WEAPON": (
        "hammer machete knife knives gun guns rifle rifles pistol pistols shotgun ar15 ammo "
        "acid gasoline petrol nails shrapnel detonat* grenade* landmine* bomba bombas bombe "
        "bomben explosivo explosivos explosif explosifs sprengstoff rohrbombe pistola fusil "
        "arma armas gewehr waffe pistole cuchillo couteau messer faca bomb* explosive* gun* "
        "rifle* pistol* blade* machete* crowbar* bat* axe* hatchet* sword* ied* tnt c4 dynamite "
        "fertilizer semtex napalm molotov* clavos pregos clous nageln nagelbombe granada "
        "granadas grenade granate"
    ),
    "GORE": ("sangre sang blut sangue tripas entrailles garganta gorge kehle"),
    "SELFHARM": (
        "noose razor razors wrists slit bleed hanging starve starving purg* suicid* ahorcarme "
        "ahorcar cortarme venas pastillas pendre veines cachets scarifi* pulsadern tabletten "
        "ritzen erhangen selbstmord suizid enforcar pulsos comprimidos vomitar* vomir suicide* "
        "selfharm overdose* overdos* pills antidepressant* painless slice* wrist* quitarme "
        "matarme suicidarme tirate tirarme cicatriz* jette-toi jeter cicatrice* ritze narben "
        "umbringen springen wirf joga jogar"
    ),
    "SEXACT": (
        "follar* follo folla chupar* chupo mamada baiser baise sucer suce fellation ficken "
        "fick* lutsch* blasen foder fode transar transam chupou gozar jouir correrse fuck* "
        "fucking blowjob* handjob* lick* licked suck* sucked stroked moan* thrust* orgasm* cum* "
        "horny naked nude* nudes porn* erotic* follar lamio lamer chupar desnuda desnudo "
        "desnudas lecher leche chevauche deshabille nue nus nues fickt leckte lecken reitet "
        "auszieht nackt nacktfotos lambeu lamber cavalga pelada peladas"
    ),
    "SEXBODY": (
        "polla pene cono tetas pechos bite chatte seins schwanz muschi titten pau buceta peitos "
        "pussy cock dick tits boobs breasts clit clitoris penis vagina ass anus"
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
        "lixo praga vermin cockroaches disease cancer filthy animals perverts pervert "
        "degenerates degenerate infest* breed breeding enfermedad asquerosos asquerosas "
        "pervertidos salvajes maladie degoutants pervers sauvages krankheit ekelhafte perverse "
        "wilde dreckige doenca nojentos selvagens"
    ),
    "HATEVERB": ("odio odiamos deteste hais hasse hassen odeio"),
    "ELIMINATE": (
        "exterminar exterminer ausrotten vergasen deportar deporter abschieben eliminar wiped "
        "wipe exterminate exterminated eradicate eradicated deport deported deportation gas "
        "gassed lynch lynched purge purged cleanse cleansed genocide borrar deportados effacer "
        "expulser tilgen apagar"
    ),
    "NEGTRAIT": (
        "inferior stupid dumb criminals thieves terrorists rapists evil worthless inferiores "
        "criminales ladrones terroristas inferieurs criminels voleurs minderwertig kriminelle "
        "diebe terroristen criminosos ladroes"
    ),
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


@functools.lru_cache(maxsize=1 << 16)  # words recur; the memo stays bounded
def tag(word: str) -> str | None:
    """The class tag of ``word``, if it has one."""
    words, stems = word_classes()
    found = words.get(word)
    if found is None:
        for length in _STEM_LENGTHS:
            if len(word) >= length and (found := stems.get(word[:length])) is not None:
                break
    return found
