#!/usr/bin/env python3
"""Generate realistic, deterministic customer-service interaction logs for cs-score benchmarks.

Usage::

    python benchmarks/generate.py N -o FILE [--seed 42] [--bad-every 10000]

writes ``N`` lines of JSON Lines to ``FILE`` (``.gz`` suffix: gzip, compresslevel 1; ``-o -``:
standard output). Only data goes to stdout; a ``wrote N lines, X MB in Ts`` summary goes to stderr.
The same arguments always give byte-identical output (the gzip header carries no name or time).

As a module::

    from generate import generate          # with benchmarks/ on sys.path
    for line in generate(1000, seed=7):    # lines without the trailing newline
        ...

Every line is an interaction record in the format of SPEC.md ("Interaction record"), except every
``--bad-every`` K-th line (K, 2K, 3K, ...; 0 disables), which cycles through four rejectable
lines: truncated JSON, a JSON array (the record wrapped in ``[...]``), an object without ``id``,
and a record whose ``started_at`` is ``2026-13-45T99:00:00Z``. ``N`` counts all lines, bad ones
included; ids are ``I`` + the 1-based line number (7 digits), so they are unique.

The mix (probabilities per interaction; see the constants below):

* channel: phone 30 %, chat 30 %, email 15 %, store 15 %, social 10 %; per-channel waits
  (``answered_at - started_at``) with most phone/chat/store waits within 90 s and a tail beyond
  (email and social wait hours); ``answered_at`` is written for 88 % of answered interactions
  (otherwise the first agent event stands in); 1 % are abandoned (no agent event at all).
* language (``attributes.lang``): en 60 %, fr 12 %, es 10 %, de 8 %, ms 5 %, ru 5 %; the texts
  are built from a small per-language vocabulary whose step, greeting, closing, escalation and
  conduct sentences contain phrases of the bundled packs (cs_score/presets/phrases.yaml), while
  the neutral filler sentences contain none.
* about 10 events each: 3-6 customer/agent exchanges, a bot message on 30 % of chat and social
  interactions, agent action events for resolution steps, escalations, refunds, callbacks and
  promise follow-ups, and a system note on 20 %.
* greeting: in the first agent message 80 %, in the second (late) 8 %, never 12 %; store visits
  carry a structured ``greeted`` flag 70 % of the time.
* resolution steps: all six 45 %, a random subset 45 % (each step dropped with 35 %), none 10 %;
  out of the canonical order 10 %; ``resolution`` present 88 % (status resolved 70 / unresolved 18
  / pending 12, or escalated), with ``resolution.steps`` listed 35 % of the time (otherwise steps
  show only as phrases, 70 %, or as agent actions, 30 %).
* escalation: the customer asks for a manager 6 % (granted 70 %, refused 30 %); an unrequested
  escalation 2 %.
* conduct violation (blame, policy excuse, insult, personal remark) 1 %; 60 % at the
  ``insult-diner`` venue (3 % of store visits).
* closing phrase in the last agent message 85 %.
* product outcome present 40 %: none 50 %, defective 20 %, defective+returned 10 %, returned 8 %,
  complaint 7 %, defective+complaint 5 % (cost present on 90 % of the non-none ones).
* promises: 15 % of answered interactions make 1 (70 %) or 2 (30 %), ids ``P<line>-<k>``; each is
  kept in-record via ``kept_at`` 40 % (10 % of those late), notified via ``notified_at`` 15 %
  (15 % of those after ``due``), broken silently 15 %, due 60-150 days ahead (pending) 25 %, and
  kept by a later interaction of the same ``case`` (20-2000+ lines later, tagged ``follow-up``)
  through an agent action ``follow_up`` with ``fulfills`` 5 % (at most 1000 such open promises
  are held, so memory stays flat; the few still open at the end of the output stay broken).
* survey 20 % (csat, nps or both); follow-up interactions on a recent case 12 %; ``tags`` 0-3;
  ``attributes`` ``lang``, ``tier`` and (store) ``venue``; timestamps end in ``Z`` or ``+01:00``.

Interactions start 1-5 s apart (3 s on average) from 2026-01-01T00:00:00Z, so a million lines
span about five weeks. Standard library only; the random stream uses ``Random.random()`` alone,
which is stable across Python versions. Records are built as strings from pre-escaped JSON
fragments (faster than json.dumps); for ``.gz`` output a second thread compresses (zlib releases
the GIL), which overlaps with generation when a second core is free.
"""

from __future__ import annotations

import argparse
import gzip
import heapq
import itertools
import json
import queue
import random
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import BinaryIO, Final, TypeVar

START: Final = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
BAD_TIMESTAMP: Final = "2026-13-45T99:00:00Z"
MAX_OPEN_PROMISES: Final = 1000
RECENT_CASES: Final = 512

# ---------------------------------------------------------------------------------------------
# Mix parameters
# ---------------------------------------------------------------------------------------------

CHANNEL_WEIGHTS: Final = {"phone": 30, "chat": 30, "email": 15, "store": 15, "social": 10}
LANG_WEIGHTS: Final = {"en": 60, "fr": 12, "es": 10, "de": 8, "ms": 5, "ru": 5}
TIER_WEIGHTS: Final = {"standard": 60, "silver": 20, "gold": 15, "platinum": 5}
# share of records whose timestamps carry +01:00 instead of Z, per language
PLUS_ONE_SHARE: Final = {"en": 0.1, "fr": 0.8, "es": 0.7, "de": 0.8, "ms": 0.1, "ru": 0.1}

P_ABANDONED: Final = 0.01
P_NO_ANSWERED_AT: Final = 0.12
P_GREET_FIRST: Final = 0.80
P_GREET_LATE: Final = 0.08  # the rest (12 %): never greeted
P_GREETED_FIELD: Final = 0.70  # store channel only
P_BOT: Final = 0.30  # chat and social only
P_SYSTEM_NOTE: Final = 0.20
P_EXTRA_ACTION: Final = 0.15
P_DOUBLE_MESSAGE: Final = 0.08
P_FOLLOWUP_CASE: Final = 0.12
P_PRODUCT: Final = 0.40
P_COST: Final = 0.90
P_RESOLUTION: Final = 0.88
P_STEPS_FIELD: Final = 0.35
P_ALL_STEPS: Final = 0.45
P_SOME_STEPS: Final = 0.45  # the rest (10 %): no step at all
P_STEP_DROP: Final = 0.35
P_STEPS_SHUFFLED: Final = 0.10
P_STEP_AS_ACTION: Final = 0.30
P_STEP_PHRASE_TOO: Final = 0.50  # when the steps are listed in resolution.steps
P_ESCALATION_REQUEST: Final = 0.06
P_ESCALATION_GRANTED: Final = 0.70
P_UNREQUESTED_ESCALATION: Final = 0.02
P_CONDUCT: Final = 0.01
P_CONDUCT_INSULT_DINER: Final = 0.60
P_INSULT_DINER: Final = 0.03  # share of store visits at the insult-diner venue
P_CLOSING: Final = 0.85
P_PROMISES: Final = 0.15
P_TWO_PROMISES: Final = 0.30
P_PROMISE_TEXT: Final = 0.80
P_SURVEY: Final = 0.20
# promise outcomes, cumulative: kept in-record, notified, broken silently, pending, kept later
PROMISE_OUTCOMES: Final = (
    (0.40, "kept"),
    (0.55, "notified"),
    (0.70, "silent"),
    (0.95, "pending"),
    (1.00, "later"),
)
P_KEPT_LATE: Final = 0.10
P_NOTIFIED_LATE: Final = 0.15
# product outcomes, cumulative: (probability, defective, returned, complaint)
PRODUCT_OUTCOMES: Final = (
    (0.50, False, False, False),
    (0.70, True, False, False),
    (0.80, True, True, False),
    (0.88, False, True, False),
    (0.95, False, False, True),
    (1.00, True, False, True),
)
STATUS_WEIGHTS: Final = {"resolved": 70, "unresolved": 18, "pending": 12}
TAG_COUNT_WEIGHTS: Final = {0: 30, 1: 40, 2: 25, 3: 5}
CSAT_WEIGHTS: Final = {1: 5, 2: 7, 3: 13, 4: 30, 5: 45}

STEPS: Final = ("identify", "apologize", "explain", "fix", "offer", "prevent")
TAGS: Final = (
    "billing",
    "refund",
    "delivery",
    "vip",
    "warranty",
    "login",
    "outage",
    "return",
    "damaged",
    "subscription",
    "payment",
    "exchange",
    "account",
)  # 13: prime
TEAMS: Final = (
    "billing",
    "returns",
    "tech-support",
    "onboarding",
    "retention",
    "logistics",
    "store-paris",
    "store-lyon",
    "store-kl",
    "social-care",
    "vip-desk",
    "escalations",
)
VENUES: Final = (
    "store-paris-01",
    "store-paris-02",
    "store-lyon-01",
    "store-madrid-01",
    "store-berlin-01",
    "store-london-01",
    "store-london-02",
    "store-kl-01",
    "store-moscow-01",
    "store-nyc-01",
)
EXTRA_ACTIONS: Final = ("refund", "callback", "lookup_order", "transfer", "reset_password")
SYSTEM_NOTES: Final = (
    "Ticket created.",
    "Customer identity verified.",
    "Call transferred from IVR.",
    "Order linked to ticket.",
    "Conversation tagged by routing.",
)
N_AGENTS: Final = 200
N_CUSTOMERS: Final = 150_000
DUE_DELAYS: Final = (7200, 14400, 86400, 172800, 259200)

# Durations in seconds as (weight %, low, high) segments, drawn uniformly within a segment.
Segments = tuple[tuple[float, int, int], ...]
WAIT: Final[dict[str, Segments]] = {
    "phone": ((55, 3, 60), (20, 60, 90), (18, 90, 300), (7, 300, 1800)),
    "chat": ((70, 2, 45), (12, 45, 90), (13, 90, 300), (5, 300, 1200)),
    "email": ((10, 60, 900), (45, 900, 14400), (35, 14400, 86400), (10, 86400, 259200)),
    "store": ((60, 0, 45), (22, 45, 90), (14, 90, 300), (4, 300, 900)),
    "social": ((15, 30, 600), (45, 600, 3600), (30, 3600, 14400), (10, 14400, 86400)),
}
AGENT_REPLY: Final[dict[str, Segments]] = {  # customer message -> agent reply
    "phone": ((90, 3, 30), (10, 30, 120)),
    "chat": ((75, 5, 60), (18, 60, 180), (7, 180, 600)),
    "email": ((50, 1800, 14400), (50, 14400, 86400)),
    "store": ((90, 3, 40), (10, 40, 180)),
    "social": ((60, 120, 3600), (40, 3600, 21600)),
}
CUSTOMER_REPLY: Final[dict[str, Segments]] = {  # agent message -> customer reply
    "phone": ((100, 3, 40),),
    "chat": ((80, 10, 90), (20, 90, 400)),
    "email": ((100, 1800, 86400),),
    "store": ((100, 3, 40),),
    "social": ((100, 300, 7200),),
}
ACTION_GAP: Final[dict[str, Segments]] = {
    "phone": ((100, 2, 60),),
    "chat": ((100, 2, 60),),
    "store": ((100, 2, 60),),
    "email": ((100, 60, 600),),
    "social": ((100, 60, 600),),
}
AGENT_FIRST: Final = frozenset({"phone", "store"})

# ---------------------------------------------------------------------------------------------
# Vocabulary. Step / greeting / closing / escalation / conduct sentences each contain a phrase of
# the matching bundled pack; agent filler and customer sentences contain none of the agent packs.
# ---------------------------------------------------------------------------------------------

VOCAB: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "en": {
        "greeting": (
            "Hello, how can I help you today?",
            "Good morning, thank you for waiting.",
            "Hi there, welcome to our store!",
            "Good afternoon, how may I help?",
            "Good evening, what can I do for you?",
        ),
        "closing": (
            "Thank you for contacting us, have a great day!",
            "Is there anything else I can help you with?",
            "Thanks for calling, take care.",
            "Thank you for shopping with us, goodbye.",
        ),
        "apologize": (
            "I'm sorry for the inconvenience.",
            "I apologise for the trouble this has caused.",
            "My apologies, that should not have happened.",
        ),
        "identify": (
            "Let me look into this for you.",
            "I can see the problem on your order.",
            "I found the issue with the last payment.",
        ),
        "explain": (
            "This happened because the parcel went to the wrong depot.",
            "The reason is that the payment was taken twice.",
            "It was caused by a software update on our side.",
        ),
        "fix": (
            "I've fixed the settings on your account.",
            "I have refunded the duplicate charge.",
            "A replacement has been sent to your address.",
        ),
        "offer": (
            "As a goodwill gesture, here is a 10% discount on your next order.",
            "I've added a voucher to your account for the trouble.",
            "Your next delivery will be free of charge.",
        ),
        "prevent": (
            "I've added a note so this won't happen again.",
            "I've flagged your account to prevent this in future.",
            "I've reported this to the warehouse team.",
        ),
        "esc_request": (
            "I want to speak to a manager.",
            "Can I talk to your supervisor, please?",
            "Get me a manager, this is ridiculous.",
        ),
        "esc_accept": (
            "Of course, I'm transferring you to my supervisor now.",
            "Certainly, a senior colleague will join in a moment.",
        ),
        "esc_refuse": (
            "There is nobody else available, I'm handling this case.",
            "I can't transfer you, you'll have to deal with me.",
        ),
        "agent_filler": (
            "One moment please.",
            "Could you confirm the order number?",
            "I can see your order here.",
            "Please bear with me for a second.",
            "Could you tell me the postcode on the account?",
            "I have your details in front of me now.",
        ),
        "customer_open": (
            "My order arrived damaged.",
            "I was charged twice this month.",
            "I can't log into my account.",
            "My parcel still hasn't arrived.",
            "The blender I bought stopped working after a week.",
            "I'd like to return these shoes, they don't fit.",
        ),
        "customer_filler": (
            "Okay.",
            "The order number is 48213.",
            "I already tried restarting it.",
            "It was delivered on Monday.",
            "Yes, that's the right address.",
            "Alright, go ahead.",
        ),
        "customer_thanks": (
            "Thanks, that helps.",
            "Great, thank you.",
            "Okay, thanks for your help.",
        ),
        "promise": (
            "I will email you the return label today.",
            "We will call you back tomorrow with an update.",
            "Your refund will be processed within 48 hours.",
            "I'll send you the tracking number by tonight.",
        ),
        "follow_up": (
            "As promised, I've sent you the return label.",
            "Following up as promised: the refund is on its way.",
        ),
        "bot": (
            "I'm the virtual assistant. An agent will be with you shortly.",
            "Your message was received, please hold while we connect you.",
        ),
        "blame": (
            "That's your fault, you should have read the instructions.",
            "You must have dropped it, that's on you.",
        ),
        "policy_excuse": (
            "It's company policy, there's nothing I can do.",
            "Rules are rules, I don't make them.",
        ),
        "insult": ("That's a stupid question.", "Are you deaf? I already told you."),
        "personal_remark": (
            "At your age you should ask someone to help with this.",
            "With your accent I can barely understand you.",
        ),
    },
    "fr": {
        "greeting": (
            "Bonjour, comment puis-je vous aider ?",
            "Bonsoir et bienvenue dans notre magasin.",
            "Bonjour, que puis-je faire pour vous ?",
        ),
        "closing": (
            "Merci de nous avoir contactés, bonne journée !",
            "Puis-je vous aider pour autre chose ?",
            "Merci de votre appel, au revoir.",
        ),
        "apologize": (
            "Je suis désolée pour la gêne occasionnée.",
            "Toutes nos excuses pour ce désagrément.",
        ),
        "identify": (
            "Je vais vérifier votre dossier.",
            "J'ai trouvé la cause du souci.",
            "Le problème vient de l'adresse de livraison.",
        ),
        "explain": (
            "Cela s'est produit parce que le colis est parti au mauvais dépôt.",
            "La raison est que le paiement a été traité deux fois.",
        ),
        "fix": (
            "J'ai corrigé l'erreur sur votre compte.",
            "J'ai remplacé l'article, il part aujourd'hui.",
            "Le remboursement a été effectué ce matin.",
        ),
        "offer": (
            "À titre de geste commercial, je vous accorde une remise de 10 %.",
            "Je vous ajoute un bon d'achat pour le dérangement.",
        ),
        "prevent": (
            "J'ai ajouté une note pour que cela ne se reproduise plus.",
            "J'ai signalé le souci à l'entrepôt.",
        ),
        "esc_request": (
            "Je veux parler à un responsable.",
            "Passez-moi un responsable, s'il vous plaît.",
        ),
        "esc_accept": (
            "Bien sûr, je vous transfère à ma responsable.",
            "Très bien, une collègue senior va reprendre la conversation.",
        ),
        "esc_refuse": ("Il n'y a personne d'autre, c'est moi qui gère votre dossier.",),
        "agent_filler": (
            "Un instant, s'il vous plaît.",
            "Pouvez-vous confirmer le numéro de commande ?",
            "Je vois votre commande ici.",
            "Pouvez-vous me donner le code postal du compte ?",
        ),
        "customer_open": (
            "Ma commande est arrivée abîmée.",
            "J'ai été débité deux fois ce mois-ci.",
            "Je n'arrive pas à me connecter à mon compte.",
            "Mon colis n'est toujours pas arrivé.",
        ),
        "customer_filler": (
            "D'accord.",
            "Le numéro de commande est 48213.",
            "Oui, c'est la bonne adresse.",
            "J'ai déjà essayé de redémarrer.",
        ),
        "customer_thanks": ("Merci, ça m'aide beaucoup.", "Parfait, merci."),
        "promise": (
            "Je vous envoie l'étiquette de retour par e-mail aujourd'hui.",
            "Nous vous rappellerons demain avec des nouvelles.",
        ),
        "follow_up": ("Comme promis, je vous ai envoyé l'étiquette de retour.",),
        "bot": (
            "Je suis l'assistant virtuel. Un conseiller va vous répondre.",
            "Votre message est bien reçu, veuillez patienter.",
        ),
        "blame": ("C'est de votre faute, vous auriez dû lire la notice.",),
        "policy_excuse": ("C'est la politique de l'entreprise, je n'y peux rien.",),
        "insult": ("C'est une question stupide.",),
        "personal_remark": ("À votre âge, demandez plutôt à quelqu'un de vous aider.",),
    },
    "es": {
        "greeting": (
            "Hola, ¿en qué puedo ayudarle?",
            "Buenos días, bienvenido a nuestra tienda.",
            "Buenas tardes, ¿cómo puedo ayudarle?",
        ),
        "closing": (
            "Gracias por contactarnos, ¡que tenga un buen día!",
            "¿Hay algo más en lo que pueda ayudarle?",
        ),
        "apologize": ("Lamento mucho las molestias.", "Le pido disculpas por el inconveniente."),
        "identify": (
            "Voy a revisar su pedido.",
            "He encontrado la causa del fallo.",
            "Ya veo el problema con el pago.",
        ),
        "explain": (
            "Esto ocurrió porque el paquete se envió al almacén equivocado.",
            "El motivo es que el pago se procesó dos veces.",
        ),
        "fix": (
            "He corregido el error en su cuenta.",
            "He reemplazado el producto, sale hoy mismo.",
            "Ya está solucionado.",
        ),
        "offer": (
            "Como gesto de buena voluntad, le aplico un descuento del 10 %.",
            "Le regalamos un cupón para su próxima compra.",
        ),
        "prevent": (
            "He añadido una nota para que no vuelva a ocurrir.",
            "He informado al equipo del almacén.",
        ),
        "esc_request": ("Quiero hablar con un supervisor.", "Páseme con un supervisor, por favor."),
        "esc_accept": ("Por supuesto, le paso con mi supervisora ahora mismo.",),
        "esc_refuse": ("No hay nadie más disponible, tendrá que hablar conmigo.",),
        "agent_filler": (
            "Un momento, por favor.",
            "¿Puede confirmar el número de pedido?",
            "Veo su pedido aquí.",
            "¿Me indica el código postal de la cuenta?",
        ),
        "customer_open": (
            "Mi pedido llegó dañado.",
            "Me cobraron dos veces este mes.",
            "No puedo entrar en mi cuenta.",
            "Mi paquete todavía no ha llegado.",
        ),
        "customer_filler": (
            "Vale.",
            "El número de pedido es 48213.",
            "Sí, esa es la dirección correcta.",
        ),
        "customer_thanks": ("Gracias, me ayuda mucho.", "Perfecto, gracias."),
        "promise": (
            "Le enviaré la etiqueta de devolución hoy por correo.",
            "Le llamaremos mañana con novedades.",
        ),
        "follow_up": ("Como le prometí, le he enviado la etiqueta de devolución.",),
        "bot": ("Soy el asistente virtual. Un agente le atenderá enseguida.",),
        "blame": ("Es culpa suya, debería haber leído las instrucciones.",),
        "policy_excuse": ("Es la política de la empresa, no puedo hacer nada.",),
        "insult": ("Qué pregunta tan tonta.",),
        "personal_remark": ("A su edad debería pedir ayuda a alguien.",),
    },
    "de": {
        "greeting": (
            "Guten Tag, wie kann ich Ihnen helfen?",
            "Hallo und herzlich willkommen!",
            "Guten Morgen, was kann ich für Sie tun?",
        ),
        "closing": (
            "Vielen Dank für Ihren Anruf, einen schönen Tag noch!",
            "Kann ich sonst noch etwas für Sie tun?",
        ),
        "apologize": (
            "Es tut mir leid für die Unannehmlichkeiten.",
            "Bitte entschuldigen Sie den Ärger.",
        ),
        "identify": (
            "Ich schaue mir Ihr Konto an.",
            "Ich habe die Ursache gefunden.",
            "Das Problem liegt bei der Lieferadresse.",
        ),
        "explain": (
            "Der Grund ist, dass das Paket an das falsche Lager ging.",
            "Das liegt daran, dass die Zahlung doppelt gebucht wurde.",
        ),
        "fix": (
            "Der Fehler wurde behoben, Ihr Konto ist wieder aktiv.",
            "Ich habe es behoben, die Buchung stimmt jetzt.",
            "Der Ersatz ist unterwegs.",
        ),
        "offer": (
            "Aus Kulanz gebe ich Ihnen 10 % Rabatt.",
            "Ich schicke Ihnen einen Gutschein für die Umstände.",
        ),
        "prevent": (
            "Ich habe eine Notiz hinterlegt, damit das nicht wieder passiert.",
            "Ich habe den Fall an das Team weitergeleitet.",
        ),
        "esc_request": (
            "Ich möchte mit Ihrem Vorgesetzten sprechen.",
            "Geben Sie mir Ihren Vorgesetzten.",
        ),
        "esc_accept": ("Natürlich, ich verbinde Sie jetzt mit meiner Teamleiterin.",),
        "esc_refuse": ("Es ist sonst niemand da, Sie müssen mit mir sprechen.",),
        "agent_filler": (
            "Einen Moment bitte.",
            "Können Sie die Bestellnummer bestätigen?",
            "Ich sehe Ihre Bestellung hier.",
            "Wie lautet die Postleitzahl im Konto?",
        ),
        "customer_open": (
            "Meine Bestellung kam beschädigt an.",
            "Mir wurde diesen Monat doppelt abgebucht.",
            "Ich kann mich nicht in mein Konto einloggen.",
            "Mein Paket ist immer noch nicht da.",
        ),
        "customer_filler": ("Okay.", "Die Bestellnummer ist 48213.", "Ja, die Adresse stimmt."),
        "customer_thanks": ("Danke, das hilft mir.", "Super, vielen Dank."),
        "promise": (
            "Ich schicke Ihnen heute das Rücksendeetikett per E-Mail.",
            "Wir rufen Sie morgen mit einem Update zurück.",
        ),
        "follow_up": ("Wie versprochen habe ich Ihnen das Rücksendeetikett geschickt.",),
        "bot": ("Ich bin der virtuelle Assistent. Gleich meldet sich ein Mitarbeiter.",),
        "blame": ("Das ist Ihre Schuld, Sie hätten die Anleitung lesen müssen.",),
        "policy_excuse": ("Das ist Firmenpolitik, da kann ich nichts machen.",),
        "insult": ("Was für eine dumme Frage.",),
        "personal_remark": ("In Ihrem Alter sollten Sie sich helfen lassen.",),
    },
    "ms": {
        "greeting": (
            "Selamat pagi, apa yang boleh saya bantu?",
            "Helo, selamat datang ke kedai kami.",
            "Selamat petang, terima kasih kerana menunggu.",
        ),
        "closing": (
            "Terima kasih kerana menghubungi kami, semoga hari anda menyenangkan.",
            "Ada apa-apa lagi yang boleh saya bantu?",
        ),
        "apologize": (
            "Saya mohon maaf atas kesulitan ini.",
            "Kami memohon maaf atas kesulitan ini.",
        ),
        "identify": (
            "Biar saya semak pesanan anda.",
            "Saya nampak masalahnya pada alamat penghantaran.",
        ),
        "explain": (
            "Ini berlaku kerana bungkusan dihantar ke depoh yang salah.",
            "Sebabnya ialah bayaran diproses dua kali.",
        ),
        "fix": (
            "Saya telah membetulkan ralat pada akaun anda.",
            "Barang itu telah diganti dan dihantar hari ini.",
            "Bayaran balik telah diproses pagi ini.",
        ),
        "offer": (
            "Sebagai tanda penghargaan, saya berikan diskaun 10%.",
            "Saya tambah baucar ke akaun anda.",
        ),
        "prevent": (
            "Saya telah tambah nota supaya tidak berulang.",
            "Saya telah maklumkan kepada pasukan gudang.",
        ),
        "esc_request": ("Saya mahu bercakap dengan pengurus.", "Boleh panggilkan pengurus?"),
        "esc_accept": ("Baiklah, saya sambungkan kepada penyelia saya sekarang.",),
        "esc_refuse": ("Tiada orang lain, saya yang uruskan kes ini.",),
        "agent_filler": (
            "Sila tunggu sebentar.",
            "Boleh sahkan nombor pesanan?",
            "Pesanan itu ada dalam sistem.",
            "Apakah poskod pada akaun?",
        ),
        "customer_open": (
            "Pesanan saya sampai dalam keadaan rosak.",
            "Saya dicaj dua kali bulan ini.",
            "Saya tidak boleh log masuk ke akaun saya.",
        ),
        "customer_filler": ("Okey.", "Nombor pesanan ialah 48213.", "Ya, alamat itu betul."),
        "customer_thanks": ("Terima kasih, itu sangat membantu.",),
        "promise": (
            "Saya akan e-melkan label pemulangan hari ini.",
            "Kami akan telefon semula esok.",
        ),
        "follow_up": ("Seperti yang dijanjikan, label pemulangan telah dihantar.",),
        "bot": ("Saya pembantu maya. Ejen akan membantu sebentar lagi.",),
        "blame": ("Ini salah anda sendiri, anda sepatutnya baca manual.",),
        "policy_excuse": ("Itu polisi syarikat, saya tidak boleh buat apa-apa.",),
        "insult": ("Soalan bodoh betul.",),
        "personal_remark": ("Pada usia anda, lebih baik minta orang lain tolong.",),
    },
    "ru": {
        "greeting": (
            "Здравствуйте, чем могу помочь?",
            "Добрый день, слушаю вас.",
            "Доброе утро, добро пожаловать в наш магазин.",
        ),
        "closing": ("Спасибо за обращение, хорошего дня!", "Могу ли я ещё чем-то помочь?"),
        "apologize": ("Приношу извинения за неудобства.", "Простите, пожалуйста, за эту ситуацию."),
        "identify": ("Сейчас проверю ваш заказ.", "Я вижу проблему с адресом доставки."),
        "explain": (
            "Это произошло потому, что посылку отправили не на тот склад.",
            "Причина в том, что платёж прошёл дважды.",
        ),
        "fix": (
            "Я исправила ошибку в вашем аккаунте.",
            "Возврат оформлен сегодня утром.",
            "Доступ восстановлен, можно входить.",
        ),
        "offer": (
            "В качестве компенсации дарю вам скидку 10%.",
            "Начислю вам бонусные баллы за неудобства.",
        ),
        "prevent": ("Я оставила заметку, чтобы это не повторилось.", "Мы приняли меры на складе."),
        "esc_request": ("Позовите руководителя, пожалуйста.", "Я хочу поговорить с руководителем."),
        "esc_accept": ("Конечно, сейчас переведу вас на старшего специалиста.",),
        "esc_refuse": ("Больше никого нет, решать будете со мной.",),
        "agent_filler": (
            "Одну минуту, пожалуйста.",
            "Подтвердите, пожалуйста, номер заказа.",
            "Я вижу ваш заказ в системе.",
            "Назовите индекс, указанный в аккаунте.",
        ),
        "customer_open": (
            "Мой заказ пришёл повреждённым.",
            "С меня дважды списали деньги в этом месяце.",
            "Не могу войти в свой аккаунт.",
        ),
        "customer_filler": ("Хорошо.", "Номер заказа 48213.", "Да, адрес правильный."),
        "customer_thanks": ("Спасибо, это помогло.",),
        "promise": ("Я отправлю вам этикетку для возврата сегодня.", "Мы перезвоним вам завтра."),
        "follow_up": ("Как и обещали, этикетка для возврата отправлена.",),
        "bot": ("Я виртуальный помощник. Оператор скоро подключится.",),
        "blame": ("Вы сами виноваты, надо было читать инструкцию.",),
        "policy_excuse": ("Такова политика компании, я ничего не могу сделать.",),
        "insult": ("Это глупый вопрос.",),
        "personal_remark": ("В вашем возрасте лучше попросить кого-нибудь помочь.",),
    },
}
CONDUCT_KINDS: Final = ("blame", "policy_excuse", "insult", "personal_remark")


def _escape(text: str) -> str:
    """JSON string body (no quotes) of ``text``; escapes are local, so bodies concatenate."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


# Encoded vocabulary: ENC[lang][category] -> tuple of JSON string bodies.
ENC: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    lang: {cat: tuple(_escape(s) for s in sentences) for cat, sentences in cats.items()}
    for lang, cats in VOCAB.items()
}


T = TypeVar("T")


def _table(weights: dict[T, int]) -> tuple[T, ...]:
    """A lookup table in which each key appears ``weight`` times (pick with one random())."""
    return tuple(key for key, weight in weights.items() for _ in range(weight))


def _segments(segs: Segments) -> Segments:
    """Turn (weight, low, high) segments into (cumulative probability, low, span)."""
    total = sum(w for w, _, _ in segs)
    out: list[tuple[float, int, int]] = []
    acc = 0.0
    for w, lo, hi in segs:
        acc += w / total
        out.append((acc, lo, hi - lo))
    out[-1] = (1.0, out[-1][1], out[-1][2])
    return tuple(out)


CHANNEL_TABLE: Final = _table(CHANNEL_WEIGHTS)
LANG_TABLE: Final = _table(LANG_WEIGHTS)
TIER_TABLE: Final = _table(TIER_WEIGHTS)
STATUS_TABLE: Final = _table(STATUS_WEIGHTS)
TAG_COUNT_TABLE: Final = _table(TAG_COUNT_WEIGHTS)
CSAT_TABLE: Final = _table(CSAT_WEIGHTS)
WAIT_C: Final = {k: _segments(v) for k, v in WAIT.items()}
AGENT_REPLY_C: Final = {k: _segments(v) for k, v in AGENT_REPLY.items()}
CUSTOMER_REPLY_C: Final = {k: _segments(v) for k, v in CUSTOMER_REPLY.items()}
ACTION_GAP_C: Final = {k: _segments(v) for k, v in ACTION_GAP.items()}
# TAG_LISTS[n][first][step - 1]: n distinct tags from TAGS[first] on, every step-th (13 is prime)
TAG_LISTS: Final = tuple(
    tuple(
        tuple(
            ",".join(f'"{TAGS[(first + k * step) % len(TAGS)]}"' for k in range(n))
            for step in range(1, len(TAGS))
        )
        for first in range(len(TAGS))
    )
    for n in range(max(TAG_COUNT_WEIGHTS) + 1)
)
AGENTS: Final = tuple(f"A{i:03d}" for i in range(1, N_AGENTS + 1))
TEAM_OF: Final = tuple(TEAMS[i % len(TEAMS)] for i in range(N_AGENTS))
TWO_DIGITS: Final = tuple(f"{i:02d}" for i in range(60))
ACTION_TAIL: Final = {
    name: f'","from":"agent","type":"action","action":"{name}"}}'
    for name in (*STEPS, "escalate", *EXTRA_ACTIONS)
}
NOTE_TAILS: Final = tuple(
    f'","from":"system","type":"note","text":"{_escape(n)}"}}' for n in SYSTEM_NOTES
)
AGENT_MSG: Final = '","from":"agent","text":"'
CUSTOMER_MSG: Final = '","from":"customer","text":"'
BOT_MSG: Final = '","from":"bot","text":"'
EMAIL_AGENT_MSG: Final = '","from":"agent","type":"message","text":"'
EMAIL_CUSTOMER_MSG: Final = '","from":"customer","type":"message","text":"'
BAD_KINDS: Final = ("truncated JSON", "JSON array", "missing id", "bad timestamp")


class _Generator:
    """Holds the random stream, the clock and the bounded cross-record state."""

    def __init__(self, seed: int) -> None:
        self._rnd = random.Random(seed).random
        self._clock = START
        self._minutes: dict[int, str] = {}
        # open promises to be kept by a later interaction: (line, made_at, id, case, customer, lang)
        self._open: list[tuple[int, int, str, str, str, str]] = []
        self._recent: list[tuple[str, str, str] | None] = [None] * RECENT_CASES

    # -- helpers ------------------------------------------------------------------------------

    def _minute(self, minute: int) -> str:
        """``YYYY-MM-DDTHH:MM:`` of a minute since the epoch (cached; the cache stays bounded)."""
        if len(self._minutes) > 100_000:
            self._minutes.clear()
        prefix = datetime.fromtimestamp(minute * 60, UTC).strftime("%Y-%m-%dT%H:%M:")
        self._minutes[minute] = prefix
        return prefix

    def _draw(self, segs: Segments) -> int:
        rnd = self._rnd
        u = rnd()
        for cum, lo, span in segs:
            if u < cum:
                return lo + int(rnd() * span)
        return segs[-1][1]

    # -- records ------------------------------------------------------------------------------

    def bad_line(self, line_no: int, kind: int) -> str:
        """One rejectable line of the given kind (index into BAD_KINDS)."""
        if kind == 0:
            line = self.record(line_no, keep_state=False)
            return line[: len(line) // 2]
        if kind == 1:
            return "[" + self.record(line_no, keep_state=False) + "]"
        if kind == 2:
            return self.record(line_no, keep_state=False, with_id=False)
        return self.record(line_no, keep_state=False, bad_started=True)

    def record(
        self, line_no: int, keep_state: bool = True, with_id: bool = True, bad_started: bool = False
    ) -> str:
        """One interaction record as a JSON line (no newline)."""
        rnd = self._rnd
        draw = self._draw
        self._clock += 1 + int(rnd() * 5)
        started = self._clock - (int(rnd() * 20) if rnd() < 0.1 else 0)
        channel = CHANNEL_TABLE[int(rnd() * len(CHANNEL_TABLE))]
        agent_no = int(rnd() * N_AGENTS)
        abandoned = rnd() < P_ABANDONED

        # who: a promise follow-up, a follow-up on a recent case, or a new case
        fulfil: tuple[int, int, str, str, str, str] | None = None
        open_ = self._open
        if (
            keep_state
            and not abandoned
            and open_
            and open_[0][0] <= line_no
            and open_[0][1] + 60 < started
        ):
            fulfil = heapq.heappop(open_)
            case, customer, lang = fulfil[3], fulfil[4], fulfil[5]
        else:
            recent = self._recent[int(rnd() * RECENT_CASES)]
            if recent is not None and rnd() < P_FOLLOWUP_CASE:
                case, customer, lang = recent
            else:
                case = f"K{line_no:07d}"
                customer = f"C{1 + int(rnd() * N_CUSTOMERS):06d}"
                lang = LANG_TABLE[int(rnd() * len(LANG_TABLE))]
        if keep_state:
            self._recent[line_no % RECENT_CASES] = (case, customer, lang)
        voc = ENC[lang]
        plus_one = rnd() < PLUS_ONE_SHARE[lang]
        shift, suffix = (3600, "+01:00") if plus_one else (0, "Z")
        minutes = self._minutes
        new_minute = self._minute

        def ts(t: int) -> str:
            """RFC 3339 text of epoch second ``t``, in UTC (``Z``) or at +01:00."""
            minute, sec = divmod(t + shift, 60)
            prefix = minutes.get(minute) or new_minute(minute)
            return f"{prefix}{TWO_DIGITS[sec]}{suffix}"

        def pick(category: str) -> str:
            options = voc[category]
            return options[int(rnd() * len(options))]

        # header fields
        tier = TIER_TABLE[int(rnd() * len(TIER_TABLE))]
        attributes = f'{{"lang":"{lang}","tier":"{tier}"'
        insult_diner = False
        if channel == "store":
            if rnd() < P_INSULT_DINER:
                insult_diner = True
                attributes += ',"venue":"insult-diner"}'
            else:
                attributes += f',"venue":"{VENUES[int(rnd() * len(VENUES))]}"}}'
        else:
            attributes += "}"
        n_tags = TAG_COUNT_TABLE[int(rnd() * len(TAG_COUNT_TABLE))]
        tags = TAG_LISTS[n_tags][int(rnd() * len(TAGS))][int(rnd() * (len(TAGS) - 1))]
        if fulfil is not None:
            tags = tags + ',"follow-up"' if tags else '"follow-up"'

        wait = draw(WAIT_C[channel])
        answered = started + wait
        agent_reply = AGENT_REPLY_C[channel]
        customer_reply = CUSTOMER_REPLY_C[channel]
        action_gap = ACTION_GAP_C[channel]
        if channel == "email":
            agent_msg, customer_msg = EMAIL_AGENT_MSG, EMAIL_CUSTOMER_MSG
        else:
            agent_msg, customer_msg = AGENT_MSG, CUSTOMER_MSG
        events: list[str] = []
        promises: list[str] = []
        status: str | None = None
        steps_field: list[str] | None = None
        greeted: bool | None = None
        has_resolution = rnd() < P_RESOLUTION

        if abandoned:
            t = started
            events.append(f'{{"at":"{ts(t)}{customer_msg}{pick("customer_open")}"}}')
            if rnd() < 0.5:
                t += 60 + int(rnd() * 540)
                events.append(f'{{"at":"{ts(t)}{customer_msg}{pick("customer_filler")}"}}')
            ended = max(t, answered) + 1
            write_answered = False
            if has_resolution:
                status = "unresolved"
            if channel == "store" and rnd() < P_GREETED_FIELD:
                greeted = False
        else:
            n_turns = 3 + int(rnd() * 4)
            last = n_turns - 1
            # each agent turn: ordered items (is_action, JSON body); consecutive sentences form
            # one message, an action item is its own event
            slots: list[list[tuple[bool, str]]] = [[] for _ in range(n_turns)]
            customer_texts: list[str] = [pick("customer_filler") for _ in range(n_turns)]
            customer_texts[0] = pick("customer_open")
            customer_texts[last] = pick("customer_thanks")

            g = rnd()
            if g < P_GREET_FIRST:
                slots[0].append((False, pick("greeting")))
                greet_kind = 0
            elif g < P_GREET_FIRST + P_GREET_LATE:
                slots[1].append((False, pick("greeting")))
                greet_kind = 1
            else:
                greet_kind = 2
            if channel == "store" and rnd() < P_GREETED_FIELD:
                greeted = greet_kind != 2

            if fulfil is not None:
                slots[0].append((False, pick("follow_up")))
                slots[0].append(
                    (
                        True,
                        '","from":"agent","type":"action","action":"follow_up",'
                        f'"fulfills":"{fulfil[2]}"}}',
                    )
                )

            # resolution steps
            s = rnd()
            if s < P_ALL_STEPS:
                steps = list(STEPS)
            elif s < P_ALL_STEPS + P_SOME_STEPS:
                steps = [step for step in STEPS if rnd() >= P_STEP_DROP]
            else:
                steps = []
            if len(steps) > 1 and rnd() < P_STEPS_SHUFFLED:
                for k in range(len(steps) - 1, 0, -1):
                    j = int(rnd() * (k + 1))
                    steps[k], steps[j] = steps[j], steps[k]
            listed = has_resolution and bool(steps) and rnd() < P_STEPS_FIELD
            if listed:
                steps_field = steps
            for k, step in enumerate(steps):
                slot = 1 + (k * last) // len(steps)
                if listed:
                    if rnd() < P_STEP_PHRASE_TOO:
                        slots[slot].append((False, pick(step)))
                elif rnd() < P_STEP_AS_ACTION:
                    slots[slot].append((True, ACTION_TAIL[step]))
                else:
                    slots[slot].append((False, pick(step)))

            # escalation
            escalated = False
            if rnd() < P_ESCALATION_REQUEST:
                turn = 1 + int(rnd() * last)
                customer_texts[turn - 1 if channel in AGENT_FIRST else turn] = pick("esc_request")
                if rnd() < P_ESCALATION_GRANTED:
                    slots[turn].insert(0, (False, pick("esc_accept")))
                    escalated = True
                    by = rnd()  # by action only 30 %, action and status 30 %, status only 40 %
                    if by < 0.6:
                        slots[turn].insert(1, (True, ACTION_TAIL["escalate"]))
                    if by >= 0.3:
                        has_resolution = True
                        status = "escalated"
                else:
                    slots[turn].insert(0, (False, pick("esc_refuse")))
            elif rnd() < P_UNREQUESTED_ESCALATION:
                slots[last].append((True, ACTION_TAIL["escalate"]))
                escalated = True
                if has_resolution:
                    status = "escalated"
            if status is None and has_resolution:
                status = STATUS_TABLE[int(rnd() * len(STATUS_TABLE))]
                if escalated and status == "resolved":
                    status = "escalated"

            if rnd() < P_EXTRA_ACTION:
                name = EXTRA_ACTIONS[int(rnd() * len(EXTRA_ACTIONS))]
                slots[1 + int(rnd() * last)].append((True, ACTION_TAIL[name]))

            # conduct violation
            if rnd() < (P_CONDUCT_INSULT_DINER if insult_diner else P_CONDUCT):
                kind = "insult" if insult_diner else CONDUCT_KINDS[int(rnd() * 4)]
                slots[int(rnd() * n_turns)].append((False, pick(kind)))

            # promises: (turn, outcome, text); the sentence ends that turn's last message
            promise_plan: list[tuple[int, str, str]] = []
            if rnd() < P_PROMISES:
                for _ in range(2 if rnd() < P_TWO_PROMISES else 1):
                    u = rnd()
                    outcome = next(o for cum, o in PROMISE_OUTCOMES if u < cum)
                    if outcome == "later" and (not keep_state or len(open_) >= MAX_OPEN_PROMISES):
                        outcome = "kept"
                    slot = 1 + int(rnd() * last)
                    text = pick("promise")
                    promise_plan.append((slot, outcome, text))
                    slots[slot].append((False, text))

            if rnd() < P_CLOSING:
                slots[last].append((False, pick("closing")))
            for k, items in enumerate(slots):
                if not items or items[0][0] or rnd() < 0.35:
                    # after the opening greeting, before anything else
                    items.insert(
                        1 if k == 0 and greet_kind == 0 else 0, (False, pick("agent_filler"))
                    )

            # events, in time order
            msg_time = [0] * n_turns  # time of each turn's last agent message
            agent_first = channel in AGENT_FIRST
            t = started
            if not agent_first:
                events.append(f'{{"at":"{ts(t)}{customer_msg}{customer_texts[0]}"}}')
                if (channel == "chat" or channel == "social") and wait >= 3 and rnd() < P_BOT:
                    bot_t = started + 1 + int(rnd() * (min(wait, 10) - 1))
                    events.append(f'{{"at":"{ts(bot_t)}{BOT_MSG}{pick("bot")}"}}')
            for k in range(n_turns):
                t = answered if k == 0 else t + draw(agent_reply)
                sentences: list[str] = []
                for is_action, body in slots[k]:
                    if is_action:
                        if sentences:
                            events.append(f'{{"at":"{ts(t)}{agent_msg}{" ".join(sentences)}"}}')
                            msg_time[k] = t
                            sentences = []
                            t += draw(action_gap)
                        events.append(f'{{"at":"{ts(t)}{body}')
                        t += draw(action_gap)
                    else:
                        sentences.append(body)
                if sentences:
                    events.append(f'{{"at":"{ts(t)}{agent_msg}{" ".join(sentences)}"}}')
                    msg_time[k] = t
                # the customer speaks next: after every agent turn but the last (customer-first
                # channels), or after every agent turn, the last one sometimes (agent-first)
                c = k if agent_first else k + 1
                if c < last or (c == last and (not agent_first or rnd() < 0.2)):
                    t += draw(customer_reply)
                    events.append(f'{{"at":"{ts(t)}{customer_msg}{customer_texts[c]}"}}')
                    if rnd() < P_DOUBLE_MESSAGE:
                        t += 5 + int(rnd() * 40)
                        events.append(f'{{"at":"{ts(t)}{customer_msg}{pick("customer_filler")}"}}')
            if rnd() < P_SYSTEM_NOTE:
                t += 1
                events.append(f'{{"at":"{ts(t)}{NOTE_TAILS[int(rnd() * len(NOTE_TAILS))]}')
            ended = t + 1 + int(rnd() * 60)
            write_answered = rnd() >= P_NO_ANSWERED_AT

            for k, (slot, outcome, text) in enumerate(promise_plan, 1):
                pid = f"P{line_no}-{k}"
                made = msg_time[slot]
                text_field = f',"text":"{text}"' if rnd() < P_PROMISE_TEXT else ""
                if outcome == "pending":
                    due = made + 86400 * (60 + int(rnd() * 90))
                elif outcome == "later":
                    due = made + 86400 * (2 + int(rnd() * 3))
                else:
                    due = made + DUE_DELAYS[int(rnd() * len(DUE_DELAYS))] + int(rnd() * 3600)
                body = f'{{"id":"{pid}"{text_field},"made_at":"{ts(made)}","due":"{ts(due)}"'
                if outcome == "kept":
                    if rnd() < P_KEPT_LATE:
                        kept = due + 3600 + int(rnd() * 82800)
                    else:
                        kept = made + 60 + int(rnd() * (due - made - 120))
                    body += f',"kept_at":"{ts(kept)}"'
                elif outcome == "notified":
                    if rnd() < P_NOTIFIED_LATE:
                        notified = due + 600 + int(rnd() * 7200)
                    else:
                        notified = made + 60 + int(rnd() * (due - made - 120))
                    body += f',"notified_at":"{ts(notified)}"'
                elif outcome == "later":
                    target = line_no + 20 + int(rnd() * 2000) + max(0, (made - started) // 2)
                    heapq.heappush(open_, (target, made, pid, case, customer, lang))
                promises.append(body + "}")

        # product, survey
        product = ""
        if rnd() < P_PRODUCT:
            u = rnd()
            _, defective, returned, complaint = next(o for o in PRODUCT_OUTCOMES if u < o[0])
            product = (
                f',"product":{{"defective":{"true" if defective else "false"},'
                f'"returned":{"true" if returned else "false"},'
                f'"complaint":{"true" if complaint else "false"}'
            )
            if (defective or returned or complaint) and rnd() < P_COST:
                cents = 500 + int(rnd() * 49500)
                product += f',"cost":{cents // 100}.{cents % 100:02d}'
            product += "}"
        survey = ""
        if rnd() < P_SURVEY:
            csat = CSAT_TABLE[int(rnd() * len(CSAT_TABLE))]
            if status == "unresolved" or abandoned:
                csat = max(1, csat - 2)
            v = rnd()
            if v < 0.5:
                survey = f',"survey":{{"csat":{csat}}}'
            elif v < 0.9:
                survey = f',"survey":{{"csat":{csat},"nps":{min(10, csat * 2 + int(rnd() * 2))}}}'
            else:
                survey = f',"survey":{{"nps":{int(rnd() * 11)}}}'

        parts = [
            f'{{"id":"I{line_no:07d}",' if with_id else "{",
            f'"channel":"{channel}","agent":"{AGENTS[agent_no]}","team":"{TEAM_OF[agent_no]}",'
            f'"customer":"{customer}","case":"{case}","tags":[{tags}],"attributes":{attributes},'
            f'"started_at":"{BAD_TIMESTAMP if bad_started else ts(started)}"',
        ]
        if write_answered:
            parts.append(f',"answered_at":"{ts(answered)}"')
        parts.append(f',"ended_at":"{ts(ended)}"')
        if greeted is not None:
            parts.append(',"greeted":true' if greeted else ',"greeted":false')
        parts.append(product)
        if has_resolution and status is not None:
            if steps_field is not None:
                parts.append(
                    f',"resolution":{{"status":"{status}","steps":["'
                    + '","'.join(steps_field)
                    + '"]}'
                )
            else:
                parts.append(f',"resolution":{{"status":"{status}"}}')
        if promises:
            parts.append(',"promises":[' + ",".join(promises) + "]")
        parts.append(survey)
        parts.append(',"events":[' + ",".join(events) + "]}")
        return "".join(parts)


def generate(n: int, seed: int = 42, bad_every: int = 10000) -> Iterator[str]:
    """Yield ``n`` JSON lines (without newline); every ``bad_every``-th is a bad line (0: none)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    if bad_every < 0:
        raise ValueError("bad_every must be >= 0")
    gen = _Generator(seed)
    for line_no in range(1, n + 1):
        if bad_every and line_no % bad_every == 0:
            yield gen.bad_line(line_no, (line_no // bad_every - 1) % len(BAD_KINDS))
        else:
            yield gen.record(line_no)


def _write(lines: Iterator[str], write: Callable[[bytes], object]) -> tuple[int, int]:
    """Pass lines to ``write`` in UTF-8 batches; return (line count, uncompressed bytes)."""
    count = 0
    size = 0
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) == 2000:
            data = ("\n".join(batch) + "\n").encode()
            write(data)
            count += len(batch)
            size += len(data)
            batch.clear()
    if batch:
        data = ("\n".join(batch) + "\n").encode()
        write(data)
        count += len(batch)
        size += len(data)
    return count, size


def _write_gzip(lines: Iterator[str], path: str) -> tuple[int, int, int]:
    """Write gzip (level 1) from a second thread: zlib releases the GIL, so compression
    overlaps generation where a second core exists. Return (lines, bytes, compressed bytes)."""
    batches: queue.Queue[bytes | None] = queue.Queue(maxsize=8)  # bounded: memory stays flat
    failure: list[BaseException] = []

    def compress(raw: BinaryIO) -> None:
        try:
            # no file name and mtime 0 in the header: byte-identical output for a seed
            with gzip.GzipFile(filename="", mode="wb", compresslevel=1, fileobj=raw, mtime=0) as gz:
                while (data := batches.get()) is not None:
                    gz.write(data)
        except BaseException as exc:  # reported by the main thread
            failure.append(exc)
            while batches.get() is not None:  # keep draining so the producer never blocks
                pass

    with open(path, "wb") as raw:  # opened here: a bad path fails before any work
        worker = threading.Thread(target=compress, args=(raw,), name="gzip-writer")
        worker.start()
        try:
            count, size = _write(lines, batches.put)
        finally:
            batches.put(None)
            worker.join()
        if failure:
            raise failure[0]
        return count, size, raw.tell()


def unique_texts(lines: Iterator[str]) -> Iterator[str]:
    """The lines with a reference number starting every text, so that no two texts are equal
    (the reference is a word no phrase contains, so the same phrases are found)."""
    counter = itertools.count(1)
    for line in lines:
        yield _TEXT.sub(lambda _: f'"text":"[ref {next(counter)}] ', line)


_TEXT = re.compile(r'"text":"')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write N realistic, deterministic interaction records (JSON Lines)."
    )
    parser.add_argument("n", type=int, metavar="N", help="number of lines to write")
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="FILE",
        help="output file (.gz suffix: gzip), or - for standard output",
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument(
        "--bad-every",
        type=int,
        default=10000,
        metavar="K",
        help="every K-th line is a bad line; 0 disables (default 10000)",
    )
    parser.add_argument(
        "--unique-texts",
        action="store_true",
        help="start every message text with its own reference number, so no text repeats "
        "(the worst case for cs-score's cache of phrase matches)",
    )
    args = parser.parse_args(argv)
    if args.n < 0:
        parser.error("N must be >= 0")
    if args.bad_every < 0:
        parser.error("--bad-every must be >= 0")

    begin = time.perf_counter()
    lines = generate(args.n, seed=args.seed, bad_every=args.bad_every)
    if args.unique_texts:
        lines = unique_texts(lines)
    compressed: int | None = None
    try:
        if args.output == "-":
            count, size = _write(lines, sys.stdout.buffer.write)
            sys.stdout.buffer.flush()
        elif args.output.endswith(".gz"):
            count, size, compressed = _write_gzip(lines, args.output)
        else:
            with open(args.output, "wb") as f:
                count, size = _write(lines, f.write)
    except BrokenPipeError:
        sys.stderr.close()  # reader went away (e.g. `| head`): stop quietly
        return 0
    except OSError as exc:
        print(f"generate.py: {exc}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - begin
    extra = f" ({compressed / 1e6:.1f} MB gzip)" if compressed is not None else ""
    print(f"wrote {count} lines, {size / 1e6:.1f} MB in {elapsed:.1f}s{extra}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
