"""Every string a user reads, in one catalogue: French first, English where translated.

`t("key", **values)` returns the text in the current language (setting SUIVI_LANG, default fr),
falling back to French when a key has no translation yet.
"""

from __future__ import annotations

from lib.config import get_settings

FR: dict[str, str] = {
    # --- Application shell -----------------------------------------------------------
    "app.title": "Suivi des défis EIG",
    "app.tagline": "Carnet de bord, phases, rétrospectives et comités des Entrepreneurs d'Intérêt Général",
    "app.sidebar.promotion": "Promotion",
    "app.sidebar.defi": "Défi",
    "app.sidebar.no_defi": "Aucun défi visible pour vous dans cette promotion.",
    "app.sidebar.logged_as": "Connecté·e : {name} ({role})",
    "app.logout": "Se déconnecter",
    "app.login.title": "Connexion",
    "app.login.prompt": "Identifiez-vous avec votre identifiant et votre mot de passe.",
    "app.login.failed": "Identifiant ou mot de passe incorrect, ou compte désactivé.",
    "app.login.username": "Identifiant",
    "app.login.password": "Mot de passe",
    "app.login.button": "Se connecter",
    "app.section.suivi": "Suivi",
    "app.section.admin": "Administration",
    "page.home": "Accueil",
    "page.admin": "Administration",
    "role.admin": "administrateur·rice",
    "role.coach": "coach",
    "role.member": "membre",
    "defi_role.eig": "EIG",
    "defi_role.porteur": "porteur·se de projet",
    "defi_role.sponsor": "sponsor",
    "defi_role.coach": "coach référent·e",
    # --- Errors ----------------------------------------------------------------------
    "error.permission_denied": "Vous n'avez pas les droits pour cette action.",
    "error.not_owner": "Vous ne pouvez modifier que vos propres éléments.",
    "error.not_found": "Élément introuvable.",
    "error.production_demo_key": "SUIVI_ENV=production : définissez SUIVI_COOKIE_KEY (la clé de démonstration est refusée).",
    "error.production_demo_accounts": "SUIVI_ENV=production : des comptes de démonstration existent encore ({logins}) ; désactivez-les ou changez leur mot de passe.",
    # --- Home ------------------------------------------------------------------------
    "home.welcome": "Bonjour {name}",
    "home.eig.no_defi": "Vous n'êtes rattaché·e à aucun défi : demandez à votre coach de vous ajouter à l'équipe.",
    "home.current_phase": "Phase en cours",
    "home.no_current_phase": "Aucune phase en cours",
    "home.bulletin_filled": "Le bulletin de la semaine {week} est rempli.",
    "home.bulletin_missing": "Le bulletin de la semaine {week} n'est pas encore rempli (échéance : {deadline}).",
    "home.coach.defis": "Les défis de la promotion",
    "home.coach.empty": "Aucun défi dans cette promotion : créez-en un depuis la page Administration.",
    "home.sponsor.defis": "Vos défis",
    "home.sponsor.empty": "Vous ne suivez encore aucun défi.",
    "home.col.defi": "Défi",
    "home.col.administration": "Administration",
    "home.col.phase": "Phase en cours",
    "home.col.team": "EIG",
    "home.col.last_mood": "Dernière humeur",
    "home.col.last_bulletin": "Dernier bulletin",
    "home.col.open_help": "Demandes d'aide ouvertes",
    "home.phase_progress": "Avancement dans le programme",
    "home.week_of": "Semaine {n} sur {total}",
    "home.see_data": "Voir les données",
    "home.your_role": "Votre rôle : {role}",
    "home.metric.defis": "Défis",
    "home.metric.filed": "Bulletins de la semaine",
    "home.metric.help": "Demandes d'aide ouvertes",
    "home.no_promotion": "Aucune promotion à afficher : un coach doit vous rattacher à un défi.",
    "home.promotion_member": "Vous suivez la promotion {name} : les bulletins publiés sont dans Rétrospectives.",
    "phase_state.validee": "validée par le comité",
    "phase_state.en_cours": "en cours",
    "phase_state.en_retard": "en retard",
    "phase_state.a_venir": "à venir",
    "col.phase": "Phase",
    "col.start": "Début",
    "col.end": "Fin",
    "col.state": "État",
    # --- Administration --------------------------------------------------------------
    "admin.tab.users": "Utilisateurs",
    "admin.tab.memberships": "Équipes",
    "admin.tab.promotions": "Promotions et défis",
    "admin.users.create": "Créer un utilisateur",
    "admin.users.edit": "Modifier un utilisateur",
    "admin.users.login": "Identifiant",
    "admin.users.display_name": "Nom affiché",
    "admin.users.email": "Adresse électronique",
    "admin.users.role": "Rôle global",
    "admin.users.password": "Mot de passe",
    "admin.users.new_password": "Nouveau mot de passe",
    "admin.users.active": "Compte actif",
    "admin.users.reset_password": "Réinitialiser le mot de passe",
    "admin.users.created": "Utilisateur « {login} » créé.",
    "admin.users.updated": "Utilisateur « {login} » mis à jour.",
    "admin.users.password_reset": "Mot de passe de « {login} » réinitialisé.",
    "admin.users.duplicate_login": "L'identifiant « {login} » est déjà pris.",
    "admin.users.cannot_deactivate_self": "Vous ne pouvez pas désactiver votre propre compte.",
    "admin.memberships.add": "Ajouter à une équipe",
    "admin.memberships.user": "Utilisateur",
    "admin.memberships.defi": "Défi",
    "admin.memberships.role": "Rôle dans le défi",
    "admin.memberships.added": "« {user} » ajouté·e au défi « {defi} ».",
    "admin.memberships.removed": "Rattachement supprimé.",
    "admin.memberships.remove": "Retirer",
    "admin.memberships.duplicate": "Cette personne fait déjà partie de ce défi.",
    "admin.memberships.empty": "Aucun rattachement : ajoutez des personnes aux équipes ci-dessus.",
    "admin.promotions.create": "Créer une promotion",
    "admin.promotions.name": "Nom de la promotion",
    "admin.promotions.start": "Date de début",
    "admin.promotions.months": "Durée (mois)",
    "admin.promotions.created": "Promotion « {name} » créée avec les 4 phases du programme.",
    "admin.promotions.duplicate": "Une promotion nommée « {name} » existe déjà.",
    "admin.defis.create": "Créer un défi",
    "admin.defis.name": "Nom du défi",
    "admin.defis.administration": "Administration d'accueil",
    "admin.defis.description": "Description",
    "admin.defis.created": "Défi « {name} » créé.",
    "admin.defis.duplicate": "Un défi nommé « {name} » existe déjà dans cette promotion.",
    "admin.save": "Enregistrer",
    "admin.create": "Créer",
    # --- Validation messages (pydantic, shown next to the form) ----------------------
    "validation.required": "Ce champ est obligatoire.",
    "validation.too_long": "{max} caractères au maximum ({n} saisis).",
    "validation.login": "L'identifiant ne peut contenir que des lettres minuscules, chiffres, points, tirets et soulignés (3 à 64).",
    "validation.email": "Adresse électronique invalide.",
    "validation.password": "Le mot de passe doit faire au moins 8 caractères.",
    "validation.months": "La durée doit être comprise entre 1 et 36 mois.",
    "validation.rating": "La note doit être comprise entre 1 et 4.",
    "validation.future_date": "La date ne peut pas être dans le futur.",
    # --- Journal (issue 3) -----------------------------------------------------------
    # --- Monthly carnet (issue 3) ----------------------------------------------------
    # --- Import / export (issue 3) ---------------------------------------------------
    # --- Bulletins and retrospectives (issue 4) --------------------------------------
    # --- Phases (issue 5) ------------------------------------------------------------
    # --- Committees (issue 5) --------------------------------------------------------
}

EN: dict[str, str] = {
    "app.title": "EIG challenge tracker",
    "app.logout": "Log out",
    "app.login.title": "Log in",
    "page.home": "Home",
    "error.permission_denied": "You are not allowed to do this.",
}

CATALOGUES = {"fr": FR, "en": EN}


def language() -> str:
    lang = get_settings().language
    return lang if lang in CATALOGUES else "fr"


def t(key: str, **values: object) -> str:
    """The text for `key` in the current language, formatted with `values`."""
    text = CATALOGUES[language()].get(key) or FR[key]
    return text.format(**values) if values else text
