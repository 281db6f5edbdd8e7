"""Demo data: two promotions of plausible, fictional défis, dated relative to today (the app's
clock: SUIVI_FAKE_NOW moves the demo world with it).

`python -m lib.seed` migrates the configured database and fills it when it holds no
promotion yet. Every demo account shares lib.auth.DEMO_PASSWORD. The same `today`
always gives the same data (`random.Random(2026)`).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from lib import db
from lib.auth import DEMO_PASSWORD, hash_password
from lib.carnets import last_writable_day
from lib.clock import add_months, is_working_day, iso_week_of, today_local, week_deadline, working_day
from lib.models import (
    ActionStatus,
    Administration,
    Base,
    Bulletin,
    Category,
    CoachingForm,
    CoachingSession,
    Committee,
    CommitteeAction,
    CommitteeParticipant,
    CompetencyRating,
    Defi,
    DefiPhase,
    DefiRole,
    GlobalRole,
    HelpRequest,
    HelpStatus,
    Indicator,
    IndicatorTheme,
    JournalEntry,
    JournalEntryCategory,
    KeyDate,
    Measurement,
    Membership,
    MonthlyCarnet,
    Perennisation,
    PhaseObjective,
    PhaseTemplate,
    Promotion,
    ReportStatus,
    Training,
    User,
)
from lib.phases import create_defi_phases
from lib.programme import DEFAULT_PHASES
from lib.text import fold

PARIS = ZoneInfo("Europe/Paris")
EMAIL_DOMAIN = "example.org"
WEEK = dt.timedelta(days=7)

# --- Cast: people and défis (static, so DEMO_LOGINS needs no database) --------------------


@dataclass(frozen=True)
class Person:
    login: str
    display_name: str
    role: GlobalRole = GlobalRole.MEMBER
    active: bool = True


@dataclass
class DefiSpec:
    """A défi to create: what it is about, and its team (by login)."""

    name: str
    administration: str
    description: str
    users: str  # who the service is for, with its article: "les conseillers rénovation"
    data: str  # what data it works on: "les dossiers d'aide"
    eigs: list[str] = field(default_factory=list)
    porteurs: list[str] = field(default_factory=list)
    sponsors: list[str] = field(default_factory=list)
    coach: str = ""


ADMIN = Person("admin", "Hélène Vidal", GlobalRole.ADMIN)
COACHES = [
    Person("coach.claire", "Claire Dubois", GlobalRole.COACH),
    Person("coach.karim", "Karim Benali", GlobalRole.COACH),
    Person("coach.sophie", "Sophie Martin", GlobalRole.COACH),
]
FIRST_EIG, FIRST_PORTEUR, FIRST_SPONSOR = (
    Person("eig.lea", "Léa Moreau"),
    Person("porteur.marc", "Marc Lefèvre"),
    Person("sponsor.anne", "Anne Girard"),
)

CURRENT_DEFIS = [
    DefiSpec("Dossier Rénov'", "Ministère de la Transition écologique (fictif)",
             "Permettre aux ménages de suivre en ligne leur dossier d'aide à la rénovation énergétique.",
             "les conseillers rénovation", "les dossiers d'aide à la rénovation"),
    DefiSpec("Radar TVA", "Direction générale des Finances publiques (fictive)",
             "Repérer plus tôt les schémas de fraude à la TVA grâce à l'analyse des déclarations.",
             "les agents du contrôle fiscal", "les déclarations de TVA"),
    DefiSpec("Territoires en données", "Agence nationale de la cohésion des territoires (fictive)",
             "Donner aux élus locaux un portrait chiffré et à jour de leur territoire.",
             "les chargés de mission territoriaux", "les données communales"),
    DefiSpec("Cantine Locale", "Ministère de l'Agriculture et de l'Alimentation (fictif)",
             "Suivre la part de produits durables et locaux servis dans la restauration collective.",
             "les gestionnaires de cantines", "les déclarations d'approvisionnement"),
    DefiSpec("Parcours Emploi", "Opérateur national de l'emploi (fictif)",
             "Aider les conseillers à proposer des formations adaptées aux métiers qui recrutent.",
             "les conseillers emploi", "les offres d'emploi et de formation"),
    DefiSpec("Rivières Vivantes", "Office français de la biodiversité (fictif)",
             "Cartographier l'état écologique des cours d'eau pour prioriser les contrôles.",
             "les inspecteurs de l'environnement", "les mesures de qualité de l'eau"),
    DefiSpec("Archives Ouvertes", "Service interministériel des archives (fictif)",
             "Rendre les fonds d'archives numérisés consultables et réutilisables par tous.",
             "les archivistes", "les inventaires d'archives"),
    DefiSpec("Justice Simplifiée", "Ministère de la Justice (fictif)",
             "Permettre aux justiciables de suivre l'avancement de leur procédure civile.",
             "les greffiers", "les données de suivi des procédures"),
    DefiSpec("Air Santé", "Agence régionale de santé Grand Ouest (fictive)",
             "Croiser qualité de l'air et données de santé pour mieux cibler la prévention.",
             "les épidémiologistes", "les relevés de qualité de l'air"),
    DefiSpec("Mobilité Rurale", "Direction générale des mobilités (fictive)",
             "Recenser l'offre de transport à la demande dans les territoires ruraux.",
             "les autorités organisatrices de mobilité", "les horaires de transport"),
    DefiSpec("Culture Partout", "Ministère de la Culture (fictif)",
             "Construire la carte des lieux et des événements culturels de proximité.",
             "les conseillers des affaires culturelles", "les données des lieux culturels"),
    DefiSpec("Achats Responsables", "Direction des achats de l'État (fictive)",
             "Mesurer la part des marchés publics intégrant des clauses sociales et environnementales.",
             "les acheteurs publics", "les données des marchés publics"),
]
PAST_DEFIS = [
    DefiSpec("Forêts Connectées", "Office national des forêts (fictif)",
             "Suivre l'état sanitaire des forêts domaniales à partir d'images satellites.",
             "les techniciens forestiers", "les images satellites"),
    DefiSpec("Subventions Lisibles", "Agence nationale de la cohésion des territoires (fictive)",
             "Publier de façon lisible les subventions versées aux collectivités.",
             "les collectivités", "les données de subventions"),
    DefiSpec("Contrôle Sanitaire", "Direction générale de l'alimentation (fictive)",
             "Cibler les contrôles sanitaires des établissements de restauration.",
             "les inspecteurs sanitaires", "les résultats des contrôles"),
    DefiSpec("Démarches Étudiantes", "Ministère de l'Enseignement supérieur (fictif)",
             "Simplifier les démarches de logement et de bourse des étudiants.",
             "les gestionnaires de bourses", "les dossiers étudiants"),
]

# Stories told by the current promotion's data (index in CURRENT_DEFIS).
SLIDING, RECOVERING, SHIFTED, LATE, DRAFT_REPORT, LEAVER = 3, 5, 6, 8, 4, 7
SLIDING_DEFI = CURRENT_DEFIS[SLIDING].name
RECOVERING_DEFI = CURRENT_DEFIS[RECOVERING].name
SHIFTED_DEFI = CURRENT_DEFIS[SHIFTED].name
LATE_DEFI = CURRENT_DEFIS[LATE].name
DRAFT_REPORT_DEFI = CURRENT_DEFIS[DRAFT_REPORT].name
LEAVER_WEEKS = 12  # the EIG who left did so this many weeks after the promotion start

FIRST_NAMES = [
    "Camille", "Thomas", "Inès", "Julien", "Manon", "Nicolas", "Chloé", "Mehdi", "Emma", "Antoine",
    "Sarah", "Hugo", "Laura", "Yanis", "Pauline", "Maxime", "Clara", "Bastien", "Aïcha", "Romain",
    "Juliette", "Quentin", "Amandine", "Théo", "Élodie", "Florian", "Mathilde", "Adrien", "Nora",
    "Benoît", "Lucie", "Samuel", "Héloïse", "Olivier", "Fatou", "Guillaume", "Margaux", "Rémi",
    "Zoé", "Vincent", "Agathe", "Stéphane", "Jeanne", "Loïc", "Salomé", "Cédric", "Anaïs", "Franck",
]
LAST_NAMES = [
    "Bernard", "Petit", "Durand", "Leroy", "Roux", "Fournier", "Morel", "Lambert", "Bonnet",
    "François", "Mercier", "Dupont", "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry",
    "Perrin", "Garnier", "Chevalier", "Robin", "Masson", "Nicolas", "Gauthier", "Lemaire", "Brun",
    "Giraud", "Joly", "Gaillard", "Barbier", "Arnaud", "Renard", "Caron", "Fabre", "Benoît", "Colin",
    "Vasseur", "Diallo", "Nguyen", "Haddad", "Ferreira", "Kowalski", "Lebon", "Marchand", "Texier",
]


def _login(display_name: str) -> str:
    first, last = display_name.split(" ", 1)
    clean = [fold(part).replace("'", "").replace(" ", "-") for part in (first, last)]
    return ".".join(clean)


def _names() -> Iterator[str]:
    """An endless, fixed sequence of distinct French-sounding names."""
    n_first, n_last = len(FIRST_NAMES), len(LAST_NAMES)
    for i in range(n_first * n_last):
        yield f"{FIRST_NAMES[i % n_first]} {LAST_NAMES[(i * 7 + i // n_first) % n_last]}"


def _build_cast() -> tuple[dict[str, Person], list[DefiSpec], list[DefiSpec]]:
    """Every person and every défi team, without randomness (logins must be static)."""
    people = {p.login: p for p in [ADMIN, *COACHES, FIRST_EIG, FIRST_PORTEUR, FIRST_SPONSOR]}
    taken = {fold(p.display_name) for p in people.values()}
    names = _names()

    def new_person() -> str:
        name = next(names)
        while fold(name) in taken or _login(name) in people:
            name = next(names)
        taken.add(fold(name))
        people[_login(name)] = Person(_login(name), name)
        return _login(name)

    eig_counts, porteur_counts = [3, 2, 3, 3, 2, 3, 2, 3, 3, 2, 3, 2], [2, 1, 1, 2, 1, 1, 2, 1, 1, 1, 2, 1]
    sponsors: list[str] = []
    for i, spec in enumerate(CURRENT_DEFIS):
        spec.eigs = [FIRST_EIG.login] if i == 0 else []
        spec.eigs += [new_person() for _ in range(eig_counts[i] - len(spec.eigs))]
        spec.porteurs = [FIRST_PORTEUR.login] if i == 0 else []
        spec.porteurs += [new_person() for _ in range(porteur_counts[i] - len(spec.porteurs))]
        # Two sponsors each follow two défis (Anne: défis 0 and 9; another: 2 and 10).
        if i == 0:
            sponsors.append(FIRST_SPONSOR.login)
        elif i in (9, 10):
            sponsors.append(sponsors[{9: 0, 10: 2}[i]])
        else:
            sponsors.append(new_person())
        spec.sponsors = [sponsors[i]]
        spec.coach = COACHES[i % 3].login
    leaver = CURRENT_DEFIS[LEAVER].eigs[-1]
    people[leaver] = Person(leaver, people[leaver].display_name, active=False)
    for i, spec in enumerate(PAST_DEFIS):
        spec.eigs = [new_person() for _ in range(2 + i % 2)]
        spec.porteurs = [new_person()]
        spec.sponsors = [new_person()]
        spec.coach = COACHES[(i + 1) % 3].login
    return people, CURRENT_DEFIS, PAST_DEFIS


PEOPLE, _, _ = _build_cast()
DEMO_LOGINS: list[str] = list(PEOPLE)


def demo_accounts() -> list[tuple[str, str]]:
    """A few representative demo logins per role, with a French description."""
    first, other = CURRENT_DEFIS[0].name, CURRENT_DEFIS[9].name
    return [
        (ADMIN.login, "Administratrice de la plateforme"),
        *[(c.login, f"Coach EIG ({c.display_name})") for c in COACHES],
        (FIRST_EIG.login, f"EIG du défi « {first} » (EIG 9)"),
        (FIRST_PORTEUR.login, f"Porteur du défi « {first} »"),
        (FIRST_SPONSOR.login, f"Sponsor des défis « {first} » et « {other} »"),
    ]


# --- Text fragments (French) --------------------------------------------------------------

PRIORITIES = {
    1: ["Finaliser la série d'entretiens avec {users}", "Cartographier {data} et leurs propriétaires",
        "Tester un premier prototype papier avec {users}", "Clarifier le périmètre du défi avec les porteurs",
        "Obtenir les accès à {data}", "Préparer l'atelier d'alignement avec le sponsor",
        "Écrire nos hypothèses de valeur et comment les valider",
        "Vérifier le cadre juridique du traitement avec le DPO"],
    2: ["Mettre en ligne une première version testable", "Tester le parcours principal avec {users}",
        "Stabiliser l'import automatique de {data}", "Choisir l'hébergement avec la DSI",
        "Lancer l'audit d'accessibilité du prototype", "Publier le dépôt de code sous licence libre",
        "Intégrer le système de design de l'État", "Préparer le comité de fin de phase"],
    3: ["Ouvrir le service à un deuxième territoire pilote", "Mettre en place la mesure d'audience",
        "Animer le premier webinaire pour {users}", "Prioriser les retours du terrain pour le prochain incrément",
        "Construire le tableau de bord d'impact avec le porteur", "Améliorer la qualité de {data}",
        "Préparer la note de pérennisation pour le sponsor"],
    4: ["Préparer la démonstration du Demo Day", "Ouvrir les données produites en open data",
        "Documenter la reprise du service par l'équipe interne",
        "Finaliser le plan de financement de l'après-programme",
        "Publier un article sur le blog du programme", "Former l'équipe qui reprendra le service"],
}
PRIORITY_SUFFIXES = ["", "", "", " d'ici vendredi", " cette semaine", " avant le comité de direction"]
UPS = ["entretiens très riches avec {users}", "le sponsor a validé la feuille de route",
       "premier déploiement sans incident", "bons retours sur le prototype", "accès aux données enfin obtenu",
       "l'équipe métier s'implique de plus en plus", "démo appréciée en comité de direction",
       "la DSI nous ouvre un environnement de recette", "un nouveau contributeur côté administration",
       "premiers utilisateurs réguliers", "atelier de co-conception réussi", "article interne très relayé"]
DOWNS = ["le circuit de validation juridique reste long", "les données sont moins propres que prévu",
         "poste de travail toujours bridé par la sécurité", "difficile de caler des entretiens",
         "réunion reportée deux fois avec la DSI", "beaucoup de sollicitations hors périmètre",
         "dépendance à un prestataire peu disponible", "le porteur est très pris cette semaine",
         "la mise en production attend un arbitrage", "un peu de fatigue dans l'équipe",
         "des doutes sur l'adoption par {users}", "les accès VPN sautent régulièrement"]
HELPS = ["Nous cherchons un contact à la DSI pour accélérer l'ouverture des flux vers {data}.",
         "Besoin d'un appui pour obtenir l'avis du DPO sur notre analyse d'impact.",
         "Connaissez-vous un hébergement qualifié déjà utilisé par une autre administration ?",
         "Besoin d'un arbitrage du sponsor sur le périmètre : pouvez-vous nous aider à le solliciter ?",
         "Nous aimerions échanger avec une équipe qui a déjà intégré le système de design de l'État.",
         "Comment recruter des volontaires parmi {users} pour nos tests ?",
         "Comment faire reconnaître le temps passé par l'équipe métier sur le défi ?",
         "Besoin d'aide pour rédiger la convention d'échange de données avec un opérateur."]
SLIDING_HELP = ("L'équipe s'essouffle : le périmètre change chaque semaine et le sponsor est injoignable. "
                "Pouvez-vous organiser un point avec lui rapidement ?")
ANSWERS = ["Mise en relation faite avec la DSI, un point est calé la semaine prochaine.",
           "Le DPO a été contacté, il propose un créneau jeudi ; je vous transfère l'invitation.",
           "Deux équipes d'une promotion précédente ont eu le même besoin : je vous partage leur retour.",
           "Sujet remonté au sponsor lors du point mensuel ; l'arbitrage est attendu sous quinze jours.",
           "Je vous envoie le modèle de convention utilisé par une autre administration.",
           "Atelier organisé avec la communauté EIG ; le compte rendu est dans le drive du programme."]

LOG_FRAGMENTS: dict[Category, tuple[list[str], list[str]]] = {
    Category.A: (["Fiche de lecture", "Notes de formation"],
                 ["Formation à la méthode agile avec l'équipe métier",
                  "Lecture de la doctrine de l'administration sur {data}",
                  "Journée d'intégration de la promotion", "Atelier « produit » avec les coachs EIG",
                  "Autoformation sur le cadre juridique des données personnelles",
                  "Atelier accessibilité (RGAA) de la communauté EIG"]),
    Category.C: (["Support de présentation", "Article de blog", "Lettre d'information", "Compte rendu"],
                 ["Présentation du défi au comité de direction", "Rédaction d'un article pour l'intranet",
                  "Démo du prototype aux équipes de l'administration", "Point d'avancement avec le sponsor",
                  "Préparation du pitch pour le Demo Day"]),
    Category.D: (["Inventaire des données", "Dictionnaire de données", "Script d'extraction",
                  "Convention d'échange"],
                 ["Analyse de la qualité de {data}", "Dictionnaire de données rédigé avec l'équipe métier",
                  "Demande d'accès à {data} auprès du service propriétaire",
                  "Croisement de {data} avec le référentiel des communes",
                  "Nettoyage et dédoublonnage d'un extrait de {data}"]),
    Category.I: (["Poste de travail", "Environnement de développement"],
                 ["Installation des postes et des accès réseau", "Ouverture des comptes sur la forge interne",
                  "Mise en place de l'environnement de recette", "Configuration de l'intégration continue",
                  "Demande de dérogation pour installer les outils de développement"]),
    Category.M: (["Compte rendu", "Feuille de route", "Tableau de suivi"],
                 ["Rétrospective de sprint avec l'équipe", "Planification du sprint suivant",
                  "Point hebdomadaire avec les porteurs", "Mise à jour de la feuille de route",
                  "Préparation du comité d'évaluation"]),
    Category.P: (["Prototype", "Version bêta", "Code source", "Documentation technique", "API"],
                 ["Développement du parcours de connexion", "Développement de l'import automatique de {data}",
                  "Refonte de la page d'accueil avec le système de design de l'État",
                  "Tests automatisés du module de calcul", "Correction des anomalies remontées par {users}",
                  "Mise en production de la version bêta", "Rédaction de la documentation d'installation"]),
    Category.S: (["Note technique", "Script"],
                 ["Aide à la DSI pour migrer un tableur vers une base de données",
                  "Extraction ponctuelle demandée par le cabinet",
                  "Support à l'équipe métier sur un outil de requêtage",
                  "Revue de code d'un outil interne"]),
    Category.T: (["Atelier", "Guide", "Présentation"],
                 ["Atelier d'acculturation aux méthodes agiles pour la direction",
                  "Animation d'un « déjeuner numérique » avec les agents",
                  "Guide de bonnes pratiques de gestion des données",
                  "Présentation du logiciel libre aux équipes juridiques"]),
    Category.U: (["Synthèse d'entretiens", "Persona", "Parcours utilisateur", "Maquette"],
                 ["Entretiens avec {users}", "Test utilisateur du prototype avec {users}",
                  "Synthèse des retours des utilisateurs pilotes",
                  "Observation d'une journée de travail avec {users}", "Atelier de co-conception des écrans"]),
}
LOG_DETAILS = {0: ["", "", " ; à poursuivre la semaine prochaine.", " avec l'appui des coachs."],
               1: [" ; très bons retours.", " ; objectif atteint.", " ; validé par le porteur."],
               -1: [" ; bloqué, en attente d'une réponse.", " ; plus long que prévu.",
                    " ; reporté faute de disponibilité."]}

OBJECTIVES = {
    1: ["Réaliser au moins dix entretiens avec {users}", "Cartographier {data} disponibles",
        "Construire un prototype cliquable", "Valider l'hypothèse de valeur avec les porteurs",
        "Identifier le cadre juridique applicable (RGPD, CADA)"],
    2: ["Mettre en ligne une première version testable", "Tester le service avec cinq utilisateurs pilotes",
        "Choisir une architecture hébergeable par l'administration", "Réaliser un premier audit d'accessibilité",
        "Publier le code sous licence libre"],
    3: ["Mesurer l'usage chaque semaine", "Animer une communauté de {users}",
        "Définir les indicateurs d'impact avec le sponsor", "Livrer deux incréments issus des retours du terrain",
        "Présenter les résultats au comité de direction"],
    4: ["Ouvrir les données produites", "Préparer le Demo Day", "Obtenir un budget de pérennisation",
        "Documenter la reprise du service par l'équipe interne"],
}

CARNET_TEXTS = {
    "objectifs": ["Finaliser les entretiens et partager la synthèse avec l'équipe.",
                  "Mettre en production la première version du service.",
                  "Mieux prioriser le backlog avec le porteur.", "Prendre en charge l'animation des ateliers.",
                  "Monter en compétence sur l'accessibilité numérique.", "Préparer le comité de fin de phase.",
                  "Documenter l'architecture pour la reprise par la DSI."],
    "besoins": ["Un retour des coachs sur ma façon d'animer les ateliers.", "Du temps dédié avec l'équipe métier.",
                "Une formation sur la sécurité des systèmes d'information.",
                "Un contact dans une autre administration qui a le même besoin.",
                "Plus de visibilité sur l'après-programme.", "Pas de besoin particulier ce mois-ci."],
    "apprentissages": ["Le fonctionnement budgétaire d'une administration centrale.",
                       "Mener un entretien utilisateur sans orienter les réponses.",
                       "Les règles de la commande publique.", "Négocier un accès aux données avec un service.",
                       "Présenter un projet technique à des décideurs.", "Les bases du RGAA.",
                       "Travailler avec un prestataire au forfait."],
    "trajectoire": ["J'envisage de rester dans l'administration après le programme.",
                    "Je souhaite évoluer vers un rôle de responsable produit.",
                    "Je réfléchis à rejoindre une équipe interministérielle.",
                    "Je veux approfondir la science des données appliquée aux politiques publiques.",
                    "Pas encore de décision, mais j'y vois plus clair qu'il y a un mois.",
                    "Je candidate à un poste dans l'équipe qui reprendra le service."],
}

SUCCESSES = ["Une dizaine d'entretiens menés avec {users}, synthèse partagée.",
             "Prototype présenté au comité de direction et bien reçu.", "Accès à {data} obtenu.",
             "Première version en production.", "Équipe métier très impliquée.", "Code publié sous licence libre.",
             "Premiers indicateurs d'usage encourageants.", "Partenariat engagé avec une autre administration."]
DIFFICULTIES = ["Délais d'accès aux données.", "Disponibilité limitée des porteurs.",
                "Contraintes de sécurité sur les postes de travail.", "Hébergement pas encore arbitré.",
                "Qualité hétérogène de {data}.", "Adoption encore timide par {users}.",
                "Budget de pérennisation non identifié."]
ORIENTATIONS = ["Passer à la phase suivante en concentrant l'effort sur l'adoption.",
                "Réduire le périmètre au parcours principal pour tenir les délais.",
                "Associer davantage le sponsor aux arbitrages.",
                "Préparer dès maintenant la reprise par les équipes internes."]
LATE_ORIENTATION = "Objectifs non atteints : prolonger la phase le temps de finaliser les tests avec {users}."
AXIS_COMMENTS = {
    "entrepreneuriat": ["Bonne capacité à saisir les opportunités internes.",
                        "Stratégie de communication à structurer.",
                        "Adoption en progrès, à accompagner.", "L'équipe sait convaincre ses interlocuteurs."],
    "innovation": ["Protocole d'expérimentation rigoureux.", "Indicateurs d'engagement encore à définir.",
                   "Mesure d'impact bien engagée.", "Beaucoup d'itérations rapides, bien documentées."],
    "transformation": ["Acculturation visible dans l'équipe métier.", "Conduite du changement à renforcer.",
                       "Travail interdisciplinaire exemplaire.", "La direction commence à s'approprier les méthodes."],
}
ACTIONS = ["Organiser une démo pour {users}", "Obtenir la convention d'accès à {data}",
           "Rédiger la note de pérennisation pour le sponsor", "Publier le code source sur la forge publique",
           "Mettre en place la mesure d'audience", "Planifier un point mensuel avec le sponsor",
           "Lancer l'audit d'accessibilité", "Identifier l'équipe qui reprendra le service"]
KEY_DATES = ["Démo au comité de direction", "Mise en ligne de la version bêta", "Atelier avec {users}",
             "Séminaire de la promotion", "Ouverture du code sur la forge publique",
             "Arbitrage budgétaire pour la pérennisation", "Présentation au Demo Day", "Comité utilisateurs"]
INDICATORS = {
    IndicatorTheme.POLITIQUE_PUBLIQUE: [("Dossiers traités avec le service", "dossiers / mois", 400),
                                        ("Part des demandes traitées en ligne", "%", 60)],
    IndicatorTheme.PERFORMANCE_PRODUIT: [("Utilisateurs actifs mensuels", "utilisateurs", 800),
                                         ("Satisfaction des utilisateurs", "%", 80)],
    IndicatorTheme.TRANSFORMATION_NUMERIQUE: [("Agents formés aux méthodes agiles", "agents", 40),
                                              ("Agents contributeurs au produit", "agents", 15)],
    IndicatorTheme.OUVERTURE: [("Jeux de données publiés en open data", "jeux de données", 6),
                               ("Dépôts de code publiés", "dépôts", 4)],
}
PAST_OUTCOMES = [Perennisation.EN_PRODUCTION, Perennisation.MISE_EN_PRODUCTION_PREVUE,
                 Perennisation.PAS_DE_MISE_EN_PRODUCTION, Perennisation.ABANDONNE]
# Ouverture facts of the finished promotion's défis: (public code, datasets, libraries).
PAST_OUVERTURE = [(True, 3, 1), (True, 1, 0), (False, 0, 0), (True, 2, 2)]
# Whether each EIG of the finished promotion still works in the administration (None: unknown).
PAST_STAYED = [True, False, True, None, True, True, False, True, False, True]
COACHING_NOTES = [
    "Point d'étape sur la feuille de route et les prochains entretiens.",
    "Préparation du comité d'évaluation : objectifs et indicateurs.",
    "Échange sur l'accès aux données et les relais possibles à la DSI.",
    "Atelier de priorisation du backlog avec l'équipe.",
    "Conseils sur la communication auprès de {users}.",
    "",
]
TRAININGS = ["Atelier d'intégration de la promotion", "Design des services publics numériques",
             "Logiciel libre et ouverture des codes sources", "Ouverture et qualité des données",
             "Accessibilité numérique (RGAA)", "Mesurer l'impact d'un service public numérique",
             "Pitch et communication du défi", "Pérenniser son produit après le programme"]

# --- Seeding --------------------------------------------------------------------------------


@dataclass
class SeedSummary:
    """What `seed` did: whether it wrote anything, and the row count of every table."""

    seeded: bool
    counts: dict[str, int]


@dataclass
class Team:
    """A seeded défi with what the generators need to know about it."""

    spec: DefiSpec
    defi: Defi
    promotion: Promotion
    phases: list[DefiPhase]
    story: str
    current: bool
    eigs: list[User]
    porteurs: list[User]
    coach: User


@dataclass
class World:
    today: dt.date
    now: dt.datetime
    rng: random.Random
    users: dict[str, User]
    coaches: list[User]
    teams: list[Team] = field(default_factory=list)


def _at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A local Paris time on `day`, as an aware UTC datetime."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS).astimezone(dt.UTC)


def _stamp(moment: dt.datetime) -> dict:
    return {"created_at": moment, "updated_at": moment}


def _fill(template: str, spec: DefiSpec) -> str:
    """The template with the défi's users and data, French contractions applied ("à les" → "aux")."""
    text = template.format(users=spec.users, data=spec.data)
    return text.replace(" à les ", " aux ").replace(" de les ", " des ")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _phase_at(team: Team, day: dt.date) -> DefiPhase:
    """The défi phase whose window holds `day` (the first or last one outside the windows)."""
    for phase in team.phases:
        if phase.planned_start <= day < phase.planned_end:
            return phase
    return team.phases[0] if day < team.phases[0].planned_start else team.phases[-1]


def _number(phase: DefiPhase) -> int:
    return phase.template.number


def _eigs_on(team: Team, day: dt.date) -> list[User]:
    """EIGs still in the team on `day` (the leaver left LEAVER_WEEKS after the start)."""
    left = team.promotion.start_date + LEAVER_WEEKS * WEEK
    return [u for u in team.eigs if u.active or day < left]


def _users(s: Session, password_hash: str) -> dict[str, User]:
    users = {p.login: User(login=p.login, display_name=p.display_name, email=f"{p.login}@{EMAIL_DOMAIN}",
                           password_hash=password_hash, role=p.role, active=p.active)
             for p in PEOPLE.values()}
    s.add_all(users.values())
    return users


def _promotion(s: Session, name: str, start: dt.date, admin: User) -> Promotion:
    created = _at(start - dt.timedelta(days=30), 9)
    promotion = Promotion(name=name, start_date=start, months=10, created_by_id=admin.id, **_stamp(created))
    s.add(promotion)
    s.flush()
    s.add_all(PhaseTemplate(promotion_id=promotion.id, created_by_id=admin.id, **_stamp(created), **phase)
              for phase in DEFAULT_PHASES)
    return promotion


def _teams(s: Session, world: World, promotion: Promotion, specs: list[DefiSpec], current: bool) -> list[Team]:
    """The défis of one promotion, their administrations, memberships and phases."""
    admin = world.users[ADMIN.login]
    administrations = {a.name: a for a in s.scalars(select(Administration))}
    for spec in specs:
        if spec.administration not in administrations:
            administrations[spec.administration] = Administration(name=spec.administration, created_by_id=admin.id)
    s.add_all(administrations.values())
    s.flush()
    created = _stamp(_at(promotion.start_date - dt.timedelta(days=14), 9))
    defis = [Defi(promotion=promotion, administration=administrations[spec.administration], name=spec.name,
                  description=spec.description, created_by_id=admin.id, **created) for spec in specs]
    s.add_all(defis)
    s.flush()
    teams = []
    for i, (spec, defi) in enumerate(zip(specs, defis, strict=True)):
        roles = ([(login, DefiRole.EIG) for login in spec.eigs] + [(login, DefiRole.PORTEUR) for login in spec.porteurs]
                 + [(login, DefiRole.SPONSOR) for login in spec.sponsors] + [(spec.coach, DefiRole.COACH)])
        s.add_all(Membership(user_id=world.users[login].id, defi_id=defi.id, role=role, created_by_id=admin.id,
                             **created) for login, role in roles)
        story = {SLIDING: "sliding", RECOVERING: "recovering"}.get(i, "steady") if current else "steady"
        teams.append(Team(spec, defi, promotion, create_defi_phases(s, defi, promotion), story, current,
                          [world.users[x] for x in spec.eigs], [world.users[x] for x in spec.porteurs],
                          world.users[spec.coach]))
    s.flush()
    for team in teams:
        team.phases.sort(key=lambda p: p.planned_start)
        for phase in team.phases:
            phase.created_at = phase.updated_at = created["created_at"]
    if current:
        _shift(teams[SHIFTED])
    return teams


def _shift(team: Team) -> None:
    """Phase 2 lasted two weeks longer: later phases move with it."""
    reason = "Habilitations d'accès aux données obtenues avec deux semaines de retard : fenêtre décalée."
    for phase in team.phases[1:]:
        if _number(phase) > 2:
            phase.planned_start += 2 * WEEK
        phase.planned_end += 2 * WEEK
        phase.shift_reason = reason


def _phase_progress(world: World) -> list[PhaseObjective]:
    """Objectives of every phase; past phases validated, except the late défi's."""
    rng, objectives = world.rng, []
    for team in world.teams:
        late = team.current and team.spec is CURRENT_DEFIS[LATE]
        for phase in team.phases:
            number, ended = _number(phase), phase.planned_end <= world.today
            labels = rng.sample(OBJECTIVES[number], rng.randint(3, min(5, len(OBJECTIVES[number]))))
            late_phase = late and ended and number == 2
            started = phase.planned_start <= world.today
            share = 0.0 if not started else 1.0 if ended and not late_phase else 0.5 if late_phase else 0.4
            for position, label in enumerate(labels):
                done = rng.random() < share
                span = max(1, (min(phase.planned_end, world.today) - phase.planned_start).days - 1)
                when = _at(phase.planned_start + dt.timedelta(days=rng.randrange(span)), 16)
                objectives.append(PhaseObjective(
                    defi_phase_id=phase.id, position=position, label=_clip(_fill(label, team.spec), 300),
                    done=done, done_at=when if done else None,
                    done_by_id=rng.choice(team.eigs + team.porteurs).id if done else None,
                    created_by_id=team.coach.id, **_stamp(_at(phase.planned_start, 9))))
            if ended and not late_phase:
                phase.validated_at = _at(phase.planned_end + dt.timedelta(days=rng.randint(1, 3)), 17)
                phase.validated_by_id = team.coach.id
    return objectives


# The sliding défi's last 8 weeks up to last week: the mood gives way faster and faster. Seen in
# the portfolio's 4-week mood window, the fall is 2 steps or more whether the window ends last
# week (before the deadline) or this week (after it, with or without this week's bulletin).
SLIDE = [4, 4, 4, 3, 3, 3, 2, 1]


def _moods(story: str, n: int, rng: random.Random) -> list[int]:
    """A believable mood curve over the n weeks up to last week: steady, sliding in the last
    8 weeks, or recovering in them."""
    moods = []
    for i in range(n):
        tail = i - (n - len(SLIDE))  # >= 0 in the last 8 weeks
        if story == "sliding":
            mood = SLIDE[tail] if tail >= 0 else 4 if rng.random() < 0.7 else 3
        elif story == "recovering":
            if i < n - 14:
                mood = rng.choice([3, 3, 4])
            elif tail < 0:
                mood = rng.choice([1, 2, 2])
            else:
                mood = 2 + round(2 * tail / 7)
        else:
            mood = rng.choices([2, 3, 4], weights=[15, 65, 20])[0]
        moods.append(mood)
    return moods


def _bulletin_weeks(world: World, team: Team) -> list[dt.date]:
    """Mondays of the weeks a bulletin was due, up to last week (or the promotion's end)."""
    first = _monday(team.promotion.start_date)
    end = min(add_months(team.promotion.start_date, team.promotion.months), _monday(world.today))
    return [first + k * WEEK for k in range((end - first).days // 7 + (1 if (end - first).days % 7 else 0))]


def _ups_downs(mood: int, spec: DefiSpec, rng: random.Random) -> str:
    n_up = {4: 2, 3: 1, 2: 1, 1: 0}[mood]
    n_down = {4: 0, 3: 1, 2: 1, 1: 2}[mood]
    ups = [_fill(x, spec) for x in rng.sample(UPS, n_up)] or ["pas grand-chose cette semaine"]
    downs = [_fill(x, spec) for x in rng.sample(DOWNS, n_down)] or ["rien à signaler"]
    return _clip(f"Hauts : {' ; '.join(ups)}. Bas : {' ; '.join(downs)}.", 300)


def _bulletins(world: World) -> list[Bulletin]:
    """Weekly bulletins: every past week (a few missed, never in the sliding défi's slide),
    this week's for some défis only, its mood where the story left last week's."""
    rng, bulletins = world.rng, []
    this_monday = _monday(world.today)
    for team in world.teams:
        weeks = _bulletin_weeks(world, team)
        this_week = team.current and rng.random() < 0.5
        moods = _moods(team.story, len(weeks), rng)
        if this_week:
            weeks.append(this_monday)
            moods.append(_moods(team.story, 1, rng)[0] if team.story == "steady" else moods[-1])
        sliding = len(weeks) - len(SLIDE) if team.story == "sliding" else len(weeks)
        for k, (monday, mood) in enumerate(zip(weeks, moods, strict=True)):
            if rng.random() < 0.06 and k < sliding:
                continue  # the team forgot this week
            bulletins.append(_bulletin(world, team, monday, mood, last=k == len(weeks) - 1))
    return bulletins


def _bulletin(world: World, team: Team, monday: dt.date, mood: int, last: bool) -> Bulletin:
    rng, spec = world.rng, team.spec
    iso_year, iso_week = iso_week_of(monday)
    deadline = week_deadline(iso_year, iso_week)
    written = min(deadline - dt.timedelta(hours=rng.randint(2, 52)), world.now)
    priority = _fill(rng.choice(PRIORITIES[_number(_phase_at(team, monday))]), spec) + rng.choice(PRIORITY_SUFFIXES)
    help_text = ""
    if team.story == "sliding" and last:
        help_text = SLIDING_HELP
    elif rng.random() < (0.05 if mood >= 3 else 0.2):
        help_text = _fill(rng.choice(HELPS), spec)
    author = rng.choice(_eigs_on(team, monday))
    bulletin = Bulletin(defi_id=team.defi.id, iso_year=iso_year, iso_week=iso_week, week_start=monday, mood=mood,
                        priority=_clip(priority, 300), ups_downs=_ups_downs(mood, spec, rng),
                        help_request=_clip(help_text, 300), created_by_id=author.id, **_stamp(written))
    if help_text:
        bulletin.help = _help_request(world, team, monday, deadline, author)
    return bulletin


def _help_request(world: World, team: Team, monday: dt.date, deadline: dt.datetime, author: User) -> HelpRequest:
    """Older requests are mostly resolved, recent ones assigned or still open."""
    rng = world.rng
    weeks_ago = (_monday(world.today) - monday).days // 7
    if team.story == "sliding" and weeks_ago <= 1:
        status = HelpStatus.OPEN
    elif weeks_ago >= 4:
        status = rng.choices([HelpStatus.RESOLVED, HelpStatus.ASSIGNED], weights=[85, 15])[0]
    else:
        status = rng.choices([HelpStatus.OPEN, HelpStatus.ASSIGNED, HelpStatus.RESOLVED], weights=[40, 40, 20])[0]
    request = HelpRequest(status=status, created_by_id=author.id, **_stamp(min(deadline, world.now)))
    if status is HelpStatus.OPEN:
        return request
    coach = team.coach if rng.random() < 0.7 else rng.choice(world.coaches)
    request.assignee_id = coach.id
    answered = min(deadline + dt.timedelta(hours=rng.randint(2, 48)), world.now)
    if status is HelpStatus.RESOLVED:
        request.answer = rng.choice(ANSWERS)
        request.first_answered_at = answered
        request.resolved_at = min(answered + dt.timedelta(days=rng.randint(0, 5)), world.now)
        request.resolved_by_id = coach.id
        request.updated_at = request.resolved_at
    elif rng.random() < 0.5:
        request.answer = "Je regarde et je reviens vers vous rapidement."
        request.first_answered_at = request.updated_at = answered
    return request


def _working_days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [d for d in (start + dt.timedelta(days=i) for i in range((end - start).days)) if is_working_day(d)]


def _journal_entries(world: World) -> list[JournalEntry]:
    """The défi journals: 3-6 entries a week (1-2 for the past promotion), up to yesterday."""
    rng, entries = world.rng, []
    for team in world.teams:
        promo_end = add_months(team.promotion.start_date, team.promotion.months)
        days = _working_days(team.promotion.start_date, min(promo_end, world.today))
        by_week: dict[dt.date, list[dt.date]] = {}
        for day in days:
            by_week.setdefault(_monday(day), []).append(day)
        for week_days in by_week.values():
            count = rng.randint(3, 6) if team.current else rng.randint(1, 2)
            for day in sorted(rng.choice(week_days) for _ in range(count)):
                entries.append(_journal_entry(world, team, day))
    return entries


def _journal_entry(world: World, team: Team, day: dt.date) -> JournalEntry:
    rng = world.rng
    categories = [rng.choice(list(Category))]
    if rng.random() < 0.3:
        categories.append(rng.choice([c for c in Category if c is not categories[0]]))
    livrables, taches = LOG_FRAGMENTS[categories[0]]
    news = rng.choices([0, 1, -1], weights=[75, 15, 10])[0]
    livrable = rng.choice(livrables) if rng.random() < 0.5 else ""
    tache = _clip(_fill(rng.choice(taches), team.spec) + rng.choice(LOG_DETAILS[news]), 1000)
    author = rng.choice(_eigs_on(team, day))
    return JournalEntry(defi_id=team.defi.id, author_id=author.id, done_on=day, livrable=livrable, tache=tache,
                    news=news, search_text=fold(f"{livrable} {tache}"), created_by_id=author.id,
                    categories=[JournalEntryCategory(category=c) for c in categories],
                    **_stamp(min(_at(day, rng.randint(11, 19)), world.now)))


def _months(start: dt.date, last: dt.date) -> list[dt.date]:
    """First days of the months from `start`'s month to `last`'s month included."""
    months, cursor = [], start.replace(day=1)
    while cursor <= last:
        months.append(cursor)
        cursor = add_months(cursor, 1)
    return months


def _carnets(world: World) -> list[MonthlyCarnet]:
    """Each current EIG's monthly carnet; the current month is still missing for a few."""
    rng, carnets = world.rng, []
    for team in (t for t in world.teams if t.current):
        start = team.promotion.start_date
        months = _months(start, world.today)
        for eig in team.eigs:
            level = rng.choice([0, 0, 1])
            late_this_month = rng.random() < 0.2
            for month in months:
                day = max(month, start)
                if not eig.active and day >= start + LEAVER_WEEKS * WEEK:
                    break
                if month == months[-1] and late_this_month:
                    continue
                carnets.append(_carnet(world, team, eig, month, day, level))
    return carnets


def _carnet(world: World, team: Team, eig: User, month: dt.date, day: dt.date, level: int) -> MonthlyCarnet:
    rng = world.rng
    phase = _phase_at(team, day)
    months_in = (month.year - phase.planned_start.year) * 12 + month.month - phase.planned_start.month
    texts = {name: " ".join(rng.sample(options, rng.randint(1, 2))) for name, options in CARNET_TEXTS.items()}
    ratings = [CompetencyRating(competency=c, rating=max(1, min(4, 1 + level + max(0, months_in)
                                                                   + (rng.random() < 0.3) - (rng.random() < 0.15))))
               for c in phase.template.eig_competencies]
    written = min(_at(max(day, month.replace(day=26)), 18), world.now)
    return MonthlyCarnet(user_id=eig.id, defi_id=team.defi.id, month=month, phase_number=_number(phase),
                          ratings=ratings, created_by_id=eig.id, **texts, **_stamp(written))


def _committees(world: World) -> list[Committee]:
    """An evaluation committee closing every phase whose window has ended."""
    committees = []
    for team in world.teams:
        ended = [p for p in team.phases if p.planned_end <= world.today]
        for phase in ended:
            draft = team.current and team.spec is CURRENT_DEFIS[DRAFT_REPORT] and phase is ended[-1]
            committees.append(_committee(world, team, phase, draft))
    # A couple of decided actions are overdue and still open, whatever the dice said.
    overdue = [a for c in committees for a in c.actions if a.due_on < world.today]
    for action in overdue[-6::3]:
        action.status = ActionStatus.OPEN
    return committees


def _committee(world: World, team: Team, phase: DefiPhase, draft: bool) -> Committee:
    rng, spec, number = world.rng, team.spec, _number(phase)
    at = _at(working_day(phase.planned_end), 10)
    late = phase.validated_at is None
    coaches = [team.coach, rng.choice([c for c in world.coaches if c is not team.coach])]
    people = coaches + _eigs_on(team, phase.planned_end) + team.porteurs
    successes = " ".join(_fill(x, spec) for x in rng.sample(SUCCESSES, 2))
    difficulties = " ".join(_fill(x, spec) for x in rng.sample(DIFFICULTIES, 2))
    orientation = _fill(LATE_ORIENTATION, spec) if late else rng.choice(ORIENTATIONS)
    axes = {axis: (rng.randint(2, 4), rng.choice(comments)) for axis, comments in AXIS_COMMENTS.items()}
    report = (f"Comité de fin de phase {number} « {phase.template.name} » du défi {spec.name}.\n\n"
              f"Succès : {successes}\n\nDifficultés : {difficulties}\n\nOrientation : {orientation}")
    published = None if draft else min(at + dt.timedelta(days=rng.randint(5, 12)), world.now)
    committee = Committee(
        defi_phase_id=phase.id, scheduled_at=at, successes=successes, difficulties=difficulties,
        guests="Responsable de la sécurité des systèmes d'information" if rng.random() < 0.15 else "",
        objectives_rating=2 if late else rng.randint(3, 4), orientation=orientation,
        entrepreneuriat_rating=axes["entrepreneuriat"][0], entrepreneuriat_comment=axes["entrepreneuriat"][1],
        innovation_rating=axes["innovation"][0], innovation_comment=axes["innovation"][1],
        transformation_rating=axes["transformation"][0], transformation_comment=axes["transformation"][1],
        report_text=report if not draft else report.split("\n\nOrientation")[0] + "\n\n(à compléter)",
        report_status=ReportStatus.DRAFT if draft else ReportStatus.PUBLISHED, report_published_at=published,
        participants=[CommitteeParticipant(user_id=u.id) for u in people],
        actions=_actions(world, team, phase, coaches[0]),
        created_by_id=team.coach.id, created_at=at - 2 * WEEK, updated_at=published or at,
    )
    return committee


def _porteur_asked(world: World, committees: list[Committee]) -> None:
    """The demo défi's latest open action goes to its porteur, so his home shows it under
    « ce qu'on attend de vous » (no draw: the rest of the seed stays put)."""
    team = next(t for t in world.teams if t.spec is CURRENT_DEFIS[0])
    phase_ids = {p.id for p in team.phases}
    waiting = [a for c in committees if c.defi_phase_id in phase_ids for a in c.actions
               if a.status is ActionStatus.OPEN]
    if waiting:
        max(waiting, key=lambda a: a.due_on).owner_id = team.porteurs[0].id


def _actions(world: World, team: Team, phase: DefiPhase, coach: User) -> list[CommitteeAction]:
    rng, actions = world.rng, []
    owners = _eigs_on(team, phase.planned_end) + team.porteurs + [coach]
    for description in rng.sample(ACTIONS, rng.randint(1, 3)):
        due = phase.planned_end + dt.timedelta(days=rng.randint(14, 90))
        # The finished promotion closed all its actions; the current one has a few overdue.
        weights = [75, 15, 10] if team.current else [85, 0, 15]
        status = (rng.choices([ActionStatus.DONE, ActionStatus.OPEN, ActionStatus.DROPPED], weights=weights)[0]
                  if due < world.today else ActionStatus.OPEN)
        actions.append(CommitteeAction(description=_fill(description, team.spec), owner_id=rng.choice(owners).id,
                                       due_on=due, status=status, created_by_id=coach.id,
                                       **_stamp(_at(phase.planned_end, 12))))
    return actions


def _key_dates(world: World, bulletins: list[Bulletin]) -> list[KeyDate]:
    """2-4 milestones per défi, past and upcoming; past ones announced in a bulletin."""
    rng, key_dates = world.rng, []
    announced = {(b.defi_id, b.week_start): b for b in bulletins}
    for team in world.teams:
        start = team.promotion.start_date
        end = add_months(start, team.promotion.months)
        days = sorted(rng.sample(_working_days(start + 3 * WEEK, end), rng.randint(2, 4)))
        if team.current and all(d <= world.today for d in days):
            days[-1] = working_day(world.today + dt.timedelta(days=rng.randint(3, 40)), step=1)  # one upcoming
        for day, text in zip(days, rng.sample(KEY_DATES, len(days)), strict=True):
            bulletin = announced.get((team.defi.id, _monday(day) - WEEK))
            key_dates.append(KeyDate(defi_id=team.defi.id, on_date=day, description=_clip(_fill(text, team.spec), 200),
                                     bulletin_id=bulletin.id if bulletin else None,
                                     created_by_id=bulletin.created_by_id if bulletin else team.coach.id,
                                     **_stamp(bulletin.created_at if bulletin else _at(start, 9))))
    return key_dates


def _indicators(world: World) -> list[Indicator]:
    """One indicator per theme for every défi, with a baseline and 3-7 measurements trending up."""
    rng, indicators = world.rng, []
    for team in world.teams:
        start = team.promotion.start_date
        last = min(add_months(start, team.promotion.months), world.today)
        mondays = [_monday(start) + k * WEEK for k in range(4, (last - start).days // 7)]
        for theme, options in INDICATORS.items():
            name, unit, base = rng.choice(options)
            target = round(base * rng.uniform(0.6, 1.5))
            target = min(100, target) if unit == "%" else target
            days = sorted(rng.sample(mondays, min(len(mondays), rng.randint(3, 7))))
            reach, value = rng.uniform(0.6, 1.1), 0.0
            measurements = []
            for k, day in enumerate(days):
                value = max(value, round(target * reach * (k + 1) / len(days) * rng.uniform(0.85, 1.05)))
                measurements.append(Measurement(measured_on=day, value=value, created_by_id=team.eigs[0].id,
                                                **_stamp(min(_at(day, 11), world.now))))
            # Where the défi started: half its first measurement (no draw: the rest of the seed stays put).
            baseline = round(measurements[0].value / 2) if measurements else None
            indicators.append(Indicator(defi_id=team.defi.id, theme=theme, name=name, unit=unit, baseline=baseline,
                                        target=target, measurements=measurements, created_by_id=team.coach.id,
                                        **_stamp(_at(start + 3 * WEEK, 10))))
    return indicators


def _coaching_sessions(world: World) -> list[CoachingSession]:
    """Coaching sessions of the current promotion every 1-3 weeks, the latest within the
    last two weeks, except for the sliding défi whose coach has not met it for seven
    weeks (the portfolio flags it)."""
    rng, sessions = world.rng, []
    for team in (t for t in world.teams if t.current):
        stop = world.today - (7 * WEEK if team.story == "sliding" else dt.timedelta(days=rng.randint(1, 14)))
        day = team.promotion.start_date + dt.timedelta(days=rng.randint(3, 10))
        while day <= stop:
            if is_working_day(day):
                note = _fill(rng.choice(COACHING_NOTES), team.spec)
                sessions.append(CoachingSession(defi_id=team.defi.id, coach_id=team.coach.id, held_on=day,
                                                form=rng.choice(list(CoachingForm)), note=note,
                                                created_by_id=team.coach.id, **_stamp(_at(day, 17))))
            day += dt.timedelta(days=rng.randint(7, 21))
        if team.story != "sliding" and (not sessions or sessions[-1].defi_id != team.defi.id
                                        or sessions[-1].held_on < stop):
            sessions.append(CoachingSession(defi_id=team.defi.id, coach_id=team.coach.id, held_on=stop,
                                            form=CoachingForm.APPEL, note="", created_by_id=team.coach.id,
                                            **_stamp(_at(stop, 17))))
    return sessions


def _programme_facts(world: World) -> list[Training]:
    """What the programme page counts: outcomes and ouverture of the finished défis (a few
    current ones too), EIGs still in their administration, trainings given so far."""
    past = [t for t in world.teams if not t.current]
    for team, outcome, (code, datasets, libraries) in zip(past, PAST_OUTCOMES, PAST_OUVERTURE, strict=False):
        team.defi.perennisation = outcome
        team.defi.public_code, team.defi.published_datasets, team.defi.libraries = code, datasets, libraries
    stayed = iter(PAST_STAYED * 2)
    for team in past:
        for membership in team.defi.memberships:
            if membership.role is DefiRole.EIG:
                membership.stayed_in_administration = next(stayed)
    for team in [t for t in world.teams if t.current][:3]:
        team.defi.public_code = True
        team.defi.published_datasets = world.rng.randint(0, 2)
    trainings = []
    for promotion in {t.promotion.id: t.promotion for t in world.teams}.values():
        end = add_months(promotion.start_date, promotion.months)
        for k, title in enumerate(TRAININGS):
            day = working_day(promotion.start_date + dt.timedelta(days=3 + k * 36))
            if day >= min(end, world.today):
                break
            trainings.append(Training(promotion_id=promotion.id, held_on=day, title=title,
                                      attendees=world.rng.randint(12, 40), created_by_id=world.coaches[0].id,
                                      **_stamp(_at(day, 18))))
    return trainings


def _forgotten_carnet(world: World, carnets: list[MonthlyCarnet]) -> MonthlyCarnet | None:
    """The sliding défi's last EIG forgot the carnet of the latest closed month."""
    team = next(t for t in world.teams if t.current and t.story == "sliding")
    closed = [c for c in carnets if c.user_id == team.eigs[-1].id and last_writable_day(c.month) < world.today]
    return max(closed, key=lambda c: c.month) if closed else None


def _counts(s: Session) -> dict[str, int]:
    return {t.name: s.scalar(select(func.count()).select_from(t)) or 0
            for t in Base.metadata.sorted_tables if t.name != "scope_version"}


def seed(engine: Engine | None = None, today: dt.date | None = None) -> SeedSummary:
    """Fill an empty, migrated database with demo data; do nothing if a promotion exists."""
    today = today or today_local()
    with db.transaction(engine) as s:
        if s.scalar(select(func.count()).select_from(Promotion)):
            return SeedSummary(seeded=False, counts=_counts(s))
        rng = random.Random(2026)
        users = _users(s, hash_password(DEMO_PASSWORD, rounds=10))
        s.flush()
        world = World(today, _at(today, 7), rng, users, [users[c.login] for c in COACHES])
        admin = users[ADMIN.login]
        past = _promotion(s, "EIG 8", _monday(add_months(today, -19)), admin)
        current = _promotion(s, "EIG 9", _monday(add_months(today, -7)), admin)
        world.teams = _teams(s, world, past, PAST_DEFIS, current=False)
        world.teams += _teams(s, world, current, CURRENT_DEFIS, current=True)
        s.add_all(_phase_progress(world))
        bulletins = _bulletins(world)
        s.add_all(bulletins)
        s.add_all(_journal_entries(world))
        carnets = _carnets(world)
        forgotten = _forgotten_carnet(world, carnets)
        s.add_all(c for c in carnets if c is not forgotten)
        committees = _committees(world)
        _porteur_asked(world, committees)
        s.add_all(committees)
        s.add_all(_indicators(world))
        s.flush()
        s.add_all(_key_dates(world, bulletins))
        s.add_all(_coaching_sessions(world))
        s.add_all(_programme_facts(world))
        s.flush()
        return SeedSummary(seeded=True, counts=_counts(s))


def main() -> None:
    """Migrate the configured database, seed it if empty, print the demo logins."""
    from lib.config import get_settings

    url = get_settings().database_url
    db.upgrade_to_head(url)
    started = time.perf_counter()
    summary = seed(db.get_engine(url))
    elapsed = time.perf_counter() - started
    if summary.seeded:
        print(f"Base de démonstration remplie en {elapsed:.1f} s :")
        for table, count in summary.counts.items():
            print(f"  {table:<24} {count:>6}")
    else:
        print("La base contient déjà une promotion : aucune donnée de démonstration ajoutée.")
    print(f"\nComptes de démonstration (mot de passe : {DEMO_PASSWORD}) :")
    for login, role in demo_accounts():
        print(f"  {login:<16} {role}")


if __name__ == "__main__":
    main()
