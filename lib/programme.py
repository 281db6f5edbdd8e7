"""The programme's default framework: the 4 phases with their durations and
competencies (docs/design.md, Domain). Data copied into each new promotion, never read
by the rest of the code, so another programme can define its own phases."""

from __future__ import annotations

import math

from lib.i18n import t
from lib.models import Category

DEFAULT_PHASES: list[dict] = [
    {
        "number": 1, "name": "Valider l'hypothèse", "months": 2,
        "summary": "comprendre, prototyper, aligner",
        "eig_competencies": ["Agilité", "Gestion de produit", "Prototypage",
                             "Cadre juridique du service public"],
        "porteur_competencies": ["Stratégies d'innovation", "Facilitation et collaboration",
                                 "Approche centrée sur les usages"],
    },
    {
        "number": 2, "name": "Prouver le concept", "months": 3,
        "summary": "rechercher, tester, valider",
        "eig_competencies": ["Architecture agile", "Logiciel libre", "Système de design de l'État",
                             "Accessibilité numérique", "Écoconception"],
        "porteur_competencies": ["Management de l'innovation"],
    },
    {
        "number": 3, "name": "Prouver la valeur", "months": 3,
        "summary": "incrémenter, impliquer, mesurer",
        "eig_competencies": ["Analyse d'audience", "Gestion de communauté", "Marketing produit",
                             "Hacking de croissance", "Mesure d'impact"],
        "porteur_competencies": ["Transformation numérique"],
    },
    {
        "number": 4, "name": "Amplifier l'impact", "months": 2,
        "summary": "déployer, communiquer, accroître",
        "eig_competencies": ["Ouverture des données", "Ouverture des codes sources",
                             "Communication événementielle", "Pitch entrepreneurial"],
        "porteur_competencies": ["Stratégies de financement", "Pérennisation des talents"],
    },
]

CATEGORY_LABELS: dict[Category, str] = {
    Category.A: "Apprentissage",
    Category.C: "Communication (interne et externe)",
    Category.D: "Données (recherche, accès, compréhension)",
    Category.I: "Installation (physique et informatique)",
    Category.M: "Management (réunions, gestion de projet)",
    Category.P: "Production (code, données, doc)",
    Category.S: "Services informatiques (rendus à l'administration)",
    Category.T: "Transformation de la culture numérique",
    Category.U: "Utilisateurs (entretiens, retours, UX/UI)",
}

MOOD_EMOJI = {1: "☹️", 2: "😐", 3: "🙂", 4: "😀"}


def mood_label(mood: float | None) -> str:
    """A bulletin's mood as pages, exports and mails show it, « 😐 mitigée »; a week without
    a bulletin (None, or NaN in a table) « pas de bulletin »."""
    if mood is None or math.isnan(mood):
        return t("mood.missing")
    return f"{MOOD_EMOJI[int(mood)]} {t(f'bulletin.mood.{int(mood)}')}"
