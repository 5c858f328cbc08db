"""Entities: spaCy NER plus a gazetteer of the domain's actors.

The gazetteer is a registered spaCy component (``nlp.add_pipe("framing_gazetteer")``):
an EntityRuler placed before the statistical NER that tags private pilots as
``PRIVATE_PILOT`` and the state system's bodies and instruments as ``STATE_SYSTEM``, with
the canonical actor name as the entity id. Only the NER and the gazetteer run: the small
English model's NER carries its own token-to-vector layer, so the shared tok2vec, tagger,
parser and lemmatizer are excluded (same entities, several times faster).

Entity records (one per mention) have the columns documented in :data:`ENTITY_COLUMNS`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

from spacy.language import Language
from spacy.pipeline import EntityRuler

from . import config, lexicon

ENTITY_COLUMNS = (
    "passage_id", "article_id", "text", "label", "canonical", "start", "end", "article_start", "article_end",
)
DOMAIN_LABELS = tuple(lexicon.GAZETTEER_LABELS)


@dataclass(frozen=True)
class Entity:
    passage_id: str
    article_id: str
    text: str
    label: str  # spaCy label (ORG, GPE, ...) or PRIVATE_PILOT / STATE_SYSTEM
    canonical: str  # canonical actor for gazetteer entities, else the text itself
    start: int  # offsets into the passage text
    end: int
    article_start: int  # offsets into the article text
    article_end: int


def gazetteer_patterns() -> list[dict]:
    """EntityRuler patterns for every actor surface form in :mod:`pipeline.lexicon`."""
    return [
        {"label": label, "pattern": form, "id": canonical}
        for label, actors in lexicon.GAZETTEER_LABELS.items()
        for canonical, forms in actors.items()
        for form in forms
    ]


@Language.factory(
    "framing_gazetteer",
    default_config={"overwrite_ents": True},
)
def make_gazetteer(nlp: Language, name: str, overwrite_ents: bool) -> EntityRuler:
    """An EntityRuler loaded with the domain gazetteer, matching case-insensitively."""
    ruler = EntityRuler(nlp, name=name, phrase_matcher_attr="LOWER", overwrite_ents=overwrite_ents)
    # Phrase patterns are tokenized with the pipeline's own tokenizer; none of them need a tagger.
    with nlp.select_pipes(enable=[]):
        ruler.add_patterns(gazetteer_patterns())
    return ruler


def load_nlp(*, blank: bool = False) -> Language:
    """The entity pipeline: ``[framing_gazetteer, ner]`` from the small English model.

    ``blank=True`` gives ``spacy.blank("en")`` plus the gazetteer, for tests of our own logic.
    """
    if blank:
        import spacy

        nlp = spacy.blank("en")
        nlp.add_pipe("framing_gazetteer")
        return nlp
    import importlib

    model = importlib.import_module(config.SPACY_MODEL)
    nlp = model.load(exclude=list(config.SPACY_EXCLUDE))
    nlp.add_pipe("framing_gazetteer", before="ner")
    return nlp


def extract_entities(
    nlp: Language,
    passages: Iterable,
    *,
    batch_size: int = config.NLP_BATCH_SIZE,
    n_process: int = 1,
) -> Iterator[list[Entity]]:
    """Run ``nlp.pipe`` over passages; yield, for each passage in order, its entities.

    ``passages`` are :class:`pipeline.passages.Passage` records (anything with
    ``passage_id``, ``article_id``, ``start`` and ``text``).
    """
    items = ((p.text, p) for p in passages)
    for doc, passage in nlp.pipe(items, as_tuples=True, batch_size=batch_size, n_process=n_process):
        yield doc_entities(doc, passage)


def doc_entities(doc, passage) -> list[Entity]:
    """Entity records for one processed passage ``doc``."""
    return [
        Entity(
            passage_id=passage.passage_id,
            article_id=passage.article_id,
            text=ent.text,
            label=ent.label_,
            canonical=ent.ent_id_ or ent.text,
            start=ent.start_char,
            end=ent.end_char,
            article_start=passage.start + ent.start_char,
            article_end=passage.start + ent.end_char,
        )
        for ent in doc.ents
    ]


def is_topical(entities: Iterable[Entity]) -> bool:
    """A passage is topical when it mentions a private pilot or a state-system actor."""
    return any(e.label in DOMAIN_LABELS for e in entities)
