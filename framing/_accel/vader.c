/* VADER's compound score of one sentence: framing.scoring.sentiment._Vader.compound, compiled.
 *
 * The reference is _Vader.compound in framing/scoring/sentiment.py (itself tested identical to
 * stock vaderSentiment), transliterated rule for rule with the arithmetic in the same order on
 * C doubles, which are Python's floats. What depends on Python's own semantics is left to
 * Python: the lower-cased lookup form of each word comes from the reference's memo (so
 * str.lower and the punctuation strip stay Python's), emoji replacement from the reference's
 * method (when a bitmap of VADER's one-character emoji says there is one), and the
 * sum, normalisation and rounding are Python's sum, vaderSentiment.normalize and round (the sum
 * of floats changed in Python 3.12; calling it keeps every version exact). str.split and
 * str.isupper use the same character database calls as CPython's implementations.
 *
 * `state` is the tuple _Vader.compiled_state() builds once per process (see STATE_* below).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

enum {
    STATE_LEXICON, STATE_BOOSTERS, STATE_NEGATE, STATE_SCORED, STATE_SPECIAL_SEQS, STATE_BOOSTER_SEQS, STATE_IDIOM_WORDS,
    STATE_LOWERED, STATE_REPLACE_EMOJIS, STATE_EMOJI_BITMAP, STATE_N_SCALAR, STATE_C_INCR, STATE_NORMALIZE, STATE_SUM, STATE_ROUND,
    STATE_SIZE
};

typedef struct {
    PyObject *lexicon, *boosters, *negate, *special_seqs, *booster_seqs, *idiom_words;
    double n_scalar, c_incr;
    PyObject *text;         /* the sentence, after emoji replacement */
    Py_ssize_t n;           /* words */
    Py_ssize_t *bounds;     /* start, end of each raw word in text */
    PyObject **lw;          /* each word's lower-cased lookup form (new references) */
    int cap_diff;           /* -1 until computed */
} Sentence;

static PyObject *s_nt; /* "n't" */

/* Case classes, ASCII answered here (no ASCII character is title case). */
static inline int is_lower(Py_UCS4 c) { return c < 128 ? c >= 'a' && c <= 'z' : Py_UNICODE_ISLOWER(c) != 0; }
static inline int is_upper_char(Py_UCS4 c) { return c < 128 ? c >= 'A' && c <= 'Z' : Py_UNICODE_ISUPPER(c) != 0; }
static inline int is_title(Py_UCS4 c) { return c < 128 ? 0 : Py_UNICODE_ISTITLE(c) != 0; }

/* str.isupper of text[a:b], as CPython computes it. */
static int is_upper(PyObject *text, Py_ssize_t a, Py_ssize_t b)
{
    int kind = PyUnicode_KIND(text), cased = 0;
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t i;
    if (b - a == 1)
        return is_upper_char(PyUnicode_READ(kind, data, a));
    for (i = a; i < b; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (is_lower(ch) || is_title(ch))
            return 0;
        if (!cased && is_upper_char(ch))
            cased = 1;
    }
    return cased;
}

static int raw_upper(Sentence *s, Py_ssize_t i) { return is_upper(s->text, s->bounds[2 * i], s->bounds[2 * i + 1]); }

/* allcap_differential: some but not all words in capitals (computed on first use). */
static int cap_diff(Sentence *s)
{
    if (s->cap_diff < 0) {
        Py_ssize_t i, upper = 0;
        for (i = 0; i < s->n; i++)
            upper += raw_upper(s, i);
        s->cap_diff = 0 < s->n - upper && s->n - upper < s->n;
    }
    return s->cap_diff;
}

static inline int eq(PyObject *word, const char *ascii) { return PyUnicode_CompareWithASCIIString(word, ascii) == 0; }

/* Membership in a dict or set; -1 on error. */
static inline int in(PyObject *container, PyObject *key)
{
    return PyDict_Check(container) ? PyDict_Contains(container, key) : PySet_Contains(container, key);
}

/* A float value of a dict; -1 on error (with the exception set), 0 when missing, 1 found. */
static int lookup(PyObject *dict, PyObject *key, double *value)
{
    PyObject *found = PyDict_GetItemWithError(dict, key);
    if (!found)
        return PyErr_Occurred() ? -1 : 0;
    *value = PyFloat_AsDouble(found);
    if (*value == -1.0 && PyErr_Occurred())
        return -1;
    return 1;
}

#define TRY(expr) do { if ((expr) < 0) return -1; } while (0)

/* _Vader._scalar for a booster word at position k. */
static int scalar(Sentence *s, Py_ssize_t k, double valence, double *out)
{
    double value;
    int found;
    TRY(found = lookup(s->boosters, s->lw[k], &value));
    if (!found) {
        PyErr_SetString(PyExc_KeyError, "booster");
        return -1;
    }
    if (valence < 0)
        value *= -1;
    if (raw_upper(s, k) && cap_diff(s)) {
        if (valence > 0)
            value += s->c_incr;
        else
            value -= s->c_incr;
    }
    *out = value;
    return 0;
}

/* `w in negate or "n't" in w` */
static int negated(Sentence *s, PyObject *w)
{
    int r;
    TRY(r = in(s->negate, w));
    if (r)
        return 1;
    return PyUnicode_Contains(w, s_nt);
}

static int seq_lookup(PyObject *dict, double *value, Py_ssize_t n, PyObject *a, PyObject *b, PyObject *c)
{
    PyObject *key = n == 2 ? PyTuple_Pack(2, a, b) : PyTuple_Pack(3, a, b, c);
    int found;
    if (!key)
        return -1;
    found = lookup(dict, key, value);
    Py_DECREF(key);
    return found;
}

/* _Vader._special_idioms_check */
static int special_idioms(Sentence *s, Py_ssize_t i, double *valence)
{
    PyObject *w3 = s->lw[i - 3], *w2 = s->lw[i - 2], *w1 = s->lw[i - 1], *w0 = s->lw[i];
    double value;
    int found;
    /* (w1, w0), (w2, w1, w0), (w2, w1), (w3, w2, w1), (w3, w2): the first found */
    TRY(found = seq_lookup(s->special_seqs, &value, 2, w1, w0, NULL));
    if (!found)
        TRY(found = seq_lookup(s->special_seqs, &value, 3, w2, w1, w0));
    if (!found)
        TRY(found = seq_lookup(s->special_seqs, &value, 2, w2, w1, NULL));
    if (!found)
        TRY(found = seq_lookup(s->special_seqs, &value, 3, w3, w2, w1));
    if (!found)
        TRY(found = seq_lookup(s->special_seqs, &value, 2, w3, w2, NULL));
    if (found)
        *valence = value;
    if (s->n - 1 > i) {
        TRY(found = seq_lookup(s->special_seqs, &value, 2, w0, s->lw[i + 1], NULL));
        if (found)
            *valence = value;
    }
    if (s->n - 1 > i + 1) {
        TRY(found = seq_lookup(s->special_seqs, &value, 3, w0, s->lw[i + 1], s->lw[i + 2]));
        if (found)
            *valence = value;
    }
    TRY(found = seq_lookup(s->booster_seqs, &value, 3, w3, w2, w1));
    if (found)
        *valence = *valence + value;
    TRY(found = seq_lookup(s->booster_seqs, &value, 2, w3, w2, NULL));
    if (found)
        *valence = *valence + value;
    TRY(found = seq_lookup(s->booster_seqs, &value, 2, w2, w1, NULL));
    if (found)
        *valence = *valence + value;
    return 0;
}

/* _Vader._valence for the lexicon word at position i. */
static int valence_at(Sentence *s, Py_ssize_t i, double *out)
{
    PyObject *item = s->lw[i], *w1, *w2, *w3;
    double valence, base, sc;
    Py_ssize_t n = s->n;
    int r, found;

    TRY(found = lookup(s->lexicon, item, &base));
    if (!found) {
        PyErr_SetString(PyExc_KeyError, "lexicon");
        return -1;
    }
    valence = base;
    if (eq(item, "no") && i != n - 1) {
        TRY(r = PyDict_Contains(s->lexicon, s->lw[i + 1]));
        if (r)
            valence = 0.0;
    }
    if ((i > 0 && eq(s->lw[i - 1], "no")) || (i > 1 && eq(s->lw[i - 2], "no")) ||
        (i > 2 && eq(s->lw[i - 3], "no") && (eq(s->lw[i - 1], "or") || eq(s->lw[i - 1], "nor"))))
        valence = base * s->n_scalar;
    if (raw_upper(s, i) && cap_diff(s)) {
        if (valence > 0)
            valence += s->c_incr;
        else
            valence -= s->c_incr;
    }
    if (i == 0) {
        *out = valence;
        return 0;
    }
    w1 = s->lw[i - 1];
    TRY(r = PyDict_Contains(s->lexicon, w1));
    if (!r) { /* start_i == 0 */
        sc = 0.0;
        TRY(r = PyDict_Contains(s->boosters, w1));
        if (r)
            TRY(scalar(s, i - 1, valence, &sc));
        valence = valence + sc;
        TRY(r = negated(s, w1));
        if (r)
            valence = valence * s->n_scalar;
    }
    if (i > 1) {
        w2 = s->lw[i - 2];
        TRY(r = PyDict_Contains(s->lexicon, w2));
        if (!r) { /* start_i == 1 */
            sc = 0.0;
            TRY(r = PyDict_Contains(s->boosters, w2));
            if (r)
                TRY(scalar(s, i - 2, valence, &sc));
            if (sc != 0)
                sc = sc * 0.95;
            valence = valence + sc;
            if (eq(w2, "never") && (eq(w1, "so") || eq(w1, "this")))
                valence = valence * 1.25;
            else if (eq(w2, "without") && eq(w1, "doubt"))
                ;
            else {
                TRY(r = negated(s, w2));
                if (r)
                    valence = valence * s->n_scalar;
            }
        }
        if (i > 2) {
            w3 = s->lw[i - 3];
            TRY(r = PyDict_Contains(s->lexicon, w3));
            if (!r) { /* start_i == 2 */
                int idiom;
                sc = 0.0;
                TRY(r = PyDict_Contains(s->boosters, w3));
                if (r)
                    TRY(scalar(s, i - 3, valence, &sc));
                if (sc != 0)
                    sc = sc * 0.9;
                valence = valence + sc;
                if ((eq(w3, "never") && (eq(w2, "so") || eq(w2, "this"))) || (eq(w1, "so") || eq(w1, "this")))
                    valence = valence * 1.25;
                else if (eq(w3, "without") && (eq(w2, "doubt") || eq(w1, "doubt")))
                    ;
                else {
                    TRY(r = negated(s, w3));
                    if (r)
                        valence = valence * s->n_scalar;
                }
                TRY(idiom = PySet_Contains(s->idiom_words, item));
                if (!idiom)
                    TRY(idiom = PySet_Contains(s->idiom_words, w1));
                if (!idiom)
                    TRY(idiom = PySet_Contains(s->idiom_words, w2));
                if (idiom)
                    TRY(special_idioms(s, i, &valence));
            }
        }
    }
    /* _least_check */
    if (eq(w1, "least")) {
        TRY(r = PyDict_Contains(s->lexicon, w1));
        if (!r) {
            if (i > 1) {
                if (!eq(s->lw[i - 2], "at") && !eq(s->lw[i - 2], "very"))
                    valence = valence * s->n_scalar;
            }
            else
                valence = valence * s->n_scalar;
        }
    }
    *out = valence;
    return 0;
}

/* _but_check on the non-zero valences, in place (list.index finds each value's first copy). */
static void but_check(Py_ssize_t but, const Py_ssize_t *where, double *valences, Py_ssize_t count)
{
    Py_ssize_t k, j;
    for (k = 0; k < count; k++) {
        double value = valences[k];
        for (j = 0; valences[j] != value; j++)
            ;
        if (where[j] < but)
            valences[j] = value * 0.5;
        else if (where[j] > but)
            valences[j] = value * 1.5;
    }
}

static double punctuation_emphasis(PyObject *text)
{
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t i, n = PyUnicode_GET_LENGTH(text), ep = 0, qm = 0;
    double ep_amplifier, qm_amplifier = 0;
    for (i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        ep += c == '!';
        qm += c == '?';
    }
    if (ep > 4)
        ep = 4;
    ep_amplifier = ep * 0.292;
    if (qm > 1)
        qm_amplifier = qm <= 3 ? qm * 0.18 : 0.96;
    return ep_amplifier + qm_amplifier;
}

/* The words of text (str.split()), their bounds in s->bounds; -1 on error. */
static int split_words(Sentence *s)
{
    PyObject *text = s->text;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t i = 0, n = PyUnicode_GET_LENGTH(text), count = 0, cap = 16;
    s->bounds = PyMem_Malloc(2 * cap * sizeof(Py_ssize_t));
    if (!s->bounds) {
        PyErr_NoMemory();
        return -1;
    }
    while (i < n) {
        Py_ssize_t start;
        while (i < n && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i)))
            i++;
        if (i == n)
            break;
        start = i;
        while (i < n && !Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i)))
            i++;
        if (count == cap) {
            Py_ssize_t *grown;
            cap *= 2;
            grown = PyMem_Realloc(s->bounds, 2 * cap * sizeof(Py_ssize_t));
            if (!grown) {
                PyErr_NoMemory();
                return -1;
            }
            s->bounds = grown;
        }
        s->bounds[2 * count] = start;
        s->bounds[2 * count + 1] = i;
        count++;
    }
    s->n = count;
    return 0;
}

static PyObject *finish(PyObject *state, const double *valences, Py_ssize_t count, PyObject *text)
{
    /* float(sum(valences)), punctuation, then round(normalize(sum_s), 4) */
    PyObject *list = PyList_New(count), *total, *normalized, *rounded, *four;
    double sum_s, punct;
    Py_ssize_t k;
    if (!list)
        return NULL;
    for (k = 0; k < count; k++) {
        PyObject *v = PyFloat_FromDouble(valences[k]);
        if (!v) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, k, v);
    }
    total = PyObject_CallOneArg(PyTuple_GET_ITEM(state, STATE_SUM), list);
    Py_DECREF(list);
    if (!total)
        return NULL;
    sum_s = PyFloat_AsDouble(total);
    Py_DECREF(total);
    if (sum_s == -1.0 && PyErr_Occurred())
        return NULL;
    punct = punctuation_emphasis(text);
    if (sum_s > 0)
        sum_s += punct;
    else if (sum_s < 0)
        sum_s -= punct;
    total = PyFloat_FromDouble(sum_s);
    if (!total)
        return NULL;
    normalized = PyObject_CallOneArg(PyTuple_GET_ITEM(state, STATE_NORMALIZE), total);
    Py_DECREF(total);
    if (!normalized)
        return NULL;
    four = PyLong_FromLong(4);
    if (!four) {
        Py_DECREF(normalized);
        return NULL;
    }
    rounded = PyObject_CallFunctionObjArgs(PyTuple_GET_ITEM(state, STATE_ROUND), normalized, four, NULL);
    Py_DECREF(normalized);
    Py_DECREF(four);
    return rounded;
}

/* Does the text hold a character of VADER's emoji table? `bitmap` has a bit per code point;
 * 0 with an exception set when it is not bytes. Emoji are all outside ASCII. */
static int has_emoji(PyObject *text, PyObject *bitmap)
{
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    const unsigned char *bits;
    Py_ssize_t i, n = PyUnicode_GET_LENGTH(text), size;
    if (!PyBytes_Check(bitmap)) {
        PyErr_SetString(PyExc_TypeError, "the emoji bitmap must be bytes");
        return 0;
    }
    if (PyUnicode_IS_ASCII(text))
        return 0;
    bits = (const unsigned char *)PyBytes_AS_STRING(bitmap);
    size = PyBytes_GET_SIZE(bitmap);
    for (i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if ((Py_ssize_t)(c >> 3) < size && (bits[c >> 3] >> (c & 7)) & 1)
            return 1;
    }
    return 0;
}

/* --- the word cache ---------------------------------------------------------------------
 *
 * raw word -> its lookup form (the `lowered` memo's value) and whether VADER scores it (in
 * `scored`), remembered across calls and found from the word's characters in the sentence, so a
 * word seen before costs no new str, no str hash and no dict look-ups. The entries hold the
 * values the memo and the set gave, so the results are the same; they belong to one (lowered,
 * scored) pair, held here, and are dropped when another pair comes (or when the table is half
 * full: memory stays bounded). `scored` must be a frozenset for the flag to be remembered (a set
 * could change between calls); long words are not remembered (a huge token is not kept). */

typedef struct {
    uint64_t hash;
    PyObject *raw, *low; /* NULL raw: an empty slot */
    char scored;
} Remembered;

enum { CACHE_SLOTS = 1 << 17, CACHE_MAX_USED = CACHE_SLOTS / 2, CACHE_MAX_WORD = 40 };

static Remembered *cache;
static Py_ssize_t cache_used;
static PyObject *cache_lowered, *cache_scored; /* what the entries came from (strong references) */

static void cache_clear(void)
{
    Py_ssize_t j;
    for (j = 0; cache && j < CACHE_SLOTS; j++) {
        Py_CLEAR(cache[j].raw);
        Py_CLEAR(cache[j].low);
    }
    cache_used = 0;
}

/* Make the cache that of (lowered, scored); 0 when it cannot be used (no memory: the words are
 * then looked up as without it). */
static int cache_for(PyObject *lowered, PyObject *scored)
{
    if (!PyFrozenSet_CheckExact(scored))
        return 0;
    if (!cache) {
        cache = PyMem_Calloc(CACHE_SLOTS, sizeof(Remembered));
        if (!cache)
            return 0;
    }
    if (lowered != cache_lowered || scored != cache_scored) {
        cache_clear();
        Py_INCREF(lowered);
        Py_INCREF(scored);
        Py_XSETREF(cache_lowered, lowered);
        Py_XSETREF(cache_scored, scored);
    }
    return 1;
}

static uint64_t word_hash(int kind, const void *data, Py_ssize_t a, Py_ssize_t b) /* FNV-1a over code points */
{
    uint64_t h = 14695981039346656037ULL;
    Py_ssize_t i;
    for (i = a; i < b; i++)
        h = (h ^ PyUnicode_READ(kind, data, i)) * 1099511628211ULL;
    return h;
}

static int same_word(PyObject *raw, int kind, const void *data, Py_ssize_t a, Py_ssize_t b)
{
    int rkind;
    const void *rdata;
    Py_ssize_t i;
    if (PyUnicode_GET_LENGTH(raw) != b - a)
        return 0;
    rkind = PyUnicode_KIND(raw);
    rdata = PyUnicode_DATA(raw);
    if (rkind == kind)
        return memcmp(rdata, (const char *)data + a * kind, (size_t)((b - a) * kind)) == 0;
    for (i = a; i < b; i++)
        if (PyUnicode_READ(rkind, rdata, i - a) != PyUnicode_READ(kind, data, i))
            return 0;
    return 1;
}

/* The lookup form of text[a:b] (a new reference) and whether it is scored; NULL on error.
 * `cached`: whether the cache is that of (lowered, scored) (cache_for). */
static PyObject *lookup_form(PyObject *text, Py_ssize_t a, Py_ssize_t b, PyObject *lowered, PyObject *scored, int cached, char *is_scored)
{
    int kind = PyUnicode_KIND(text), r;
    const void *data = PyUnicode_DATA(text);
    uint64_t h = 0;
    Py_ssize_t j;
    PyObject *raw, *low;
    cached = cached && b - a <= CACHE_MAX_WORD;
    if (cached) {
        h = word_hash(kind, data, a, b);
        for (j = (Py_ssize_t)(h & (CACHE_SLOTS - 1)); cache[j].raw; j = (j + 1) & (CACHE_SLOTS - 1))
            if (cache[j].hash == h && same_word(cache[j].raw, kind, data, a, b)) {
                *is_scored = cache[j].scored;
                Py_INCREF(cache[j].low);
                return cache[j].low;
            }
    }
    raw = PyUnicode_Substring(text, a, b);
    if (!raw)
        return NULL;
    low = PyDict_GetItemWithError(lowered, raw);
    if (low)
        Py_INCREF(low);
    else if (!PyErr_Occurred())
        low = PyObject_GetItem(lowered, raw); /* the memo's __missing__ */
    if (!low || !PyUnicode_Check(low)) {
        if (low)
            PyErr_SetString(PyExc_TypeError, "lowered words must be str");
        Py_DECREF(raw);
        Py_XDECREF(low);
        return NULL;
    }
    r = PySet_Contains(scored, low);
    if (r < 0) {
        Py_DECREF(raw);
        Py_DECREF(low);
        return NULL;
    }
    *is_scored = (char)r;
    /* remembered unless the memo's Python code changed what the cache belongs to */
    if (cached && cache_lowered == lowered && cache_scored == scored) {
        if (cache_used >= CACHE_MAX_USED)
            cache_clear();
        for (j = (Py_ssize_t)(h & (CACHE_SLOTS - 1)); cache[j].raw; j = (j + 1) & (CACHE_SLOTS - 1))
            ;
        cache[j].hash = h;
        cache[j].raw = raw; /* the reference made above */
        Py_INCREF(low);
        cache[j].low = low;
        cache[j].scored = (char)r;
        cache_used++;
    }
    else
        Py_DECREF(raw);
    return low;
}

PyDoc_STRVAR(compound_doc,
"compound(state, text) -> float\n\n"
"_Vader(...).compound(text), given the tuple _Vader.compiled_state() returns.");

static PyObject *vader_compound(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *state, *text, *result = NULL, *scored, *lowered;
    Sentence s = {0};
    Py_ssize_t i, count = 0, but = -1;
    Py_ssize_t *where = NULL;
    double *valences = NULL;
    char *is_scored = NULL;
    int any = 0, cached;

    if (nargs != 2 || !PyTuple_Check(args[0]) || PyTuple_GET_SIZE(args[0]) != STATE_SIZE || !PyUnicode_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "compound() takes the state tuple and a str");
        return NULL;
    }
    state = args[0];
    text = args[1];
    s.lexicon = PyTuple_GET_ITEM(state, STATE_LEXICON);
    s.boosters = PyTuple_GET_ITEM(state, STATE_BOOSTERS);
    s.negate = PyTuple_GET_ITEM(state, STATE_NEGATE);
    s.special_seqs = PyTuple_GET_ITEM(state, STATE_SPECIAL_SEQS);
    s.booster_seqs = PyTuple_GET_ITEM(state, STATE_BOOSTER_SEQS);
    s.idiom_words = PyTuple_GET_ITEM(state, STATE_IDIOM_WORDS);
    scored = PyTuple_GET_ITEM(state, STATE_SCORED);
    lowered = PyTuple_GET_ITEM(state, STATE_LOWERED);
    if (!PyDict_Check(s.lexicon) || !PyDict_Check(s.boosters) || !PyDict_Check(s.special_seqs) || !PyDict_Check(s.booster_seqs) ||
        !PyAnySet_Check(s.negate) || !PyAnySet_Check(scored) || !PyAnySet_Check(s.idiom_words) || !PyDict_Check(lowered)) {
        PyErr_SetString(PyExc_TypeError, "compound(): malformed state");
        return NULL;
    }
    s.n_scalar = PyFloat_AsDouble(PyTuple_GET_ITEM(state, STATE_N_SCALAR));
    s.c_incr = PyFloat_AsDouble(PyTuple_GET_ITEM(state, STATE_C_INCR));
    if (PyErr_Occurred())
        return NULL;
    s.cap_diff = -1;

    if (has_emoji(text, PyTuple_GET_ITEM(state, STATE_EMOJI_BITMAP))) {
        s.text = PyObject_CallOneArg(PyTuple_GET_ITEM(state, STATE_REPLACE_EMOJIS), text);
        if (!s.text)
            return NULL;
        if (!PyUnicode_Check(s.text)) {
            PyErr_SetString(PyExc_TypeError, "replace_emojis() must return str");
            goto done;
        }
    }
    else {
        if (PyErr_Occurred())
            return NULL;
        Py_INCREF(text);
        s.text = text;
    }
    if (split_words(&s) < 0)
        goto done;
    s.lw = PyMem_Calloc(s.n ? s.n : 1, sizeof(PyObject *));
    where = PyMem_Malloc((s.n ? s.n : 1) * sizeof(Py_ssize_t));
    valences = PyMem_Malloc((s.n ? s.n : 1) * sizeof(double));
    is_scored = PyMem_Malloc(s.n ? s.n : 1);
    if (!s.lw || !where || !valences || !is_scored) {
        PyErr_NoMemory();
        goto done;
    }
    cached = cache_for(lowered, scored);
    for (i = 0; i < s.n; i++) {
        PyObject *low = lookup_form(s.text, s.bounds[2 * i], s.bounds[2 * i + 1], lowered, scored, cached, &is_scored[i]);
        if (!low)
            goto done;
        s.lw[i] = low;
        any |= is_scored[i];
        if (but < 0 && eq(low, "but"))
            but = i;
    }
    if (!any) {
        result = PyFloat_FromDouble(0.0);
        goto done;
    }
    for (i = 0; i < s.n; i++) {
        double valence;
        if (!is_scored[i])
            continue;
        if (eq(s.lw[i], "kind") && i < s.n - 1 && eq(s.lw[i + 1], "of"))
            continue;
        if (valence_at(&s, i, &valence) < 0)
            goto done;
        if (valence != 0) {
            where[count] = i;
            valences[count++] = valence;
        }
    }
    if (!count) {
        result = PyFloat_FromDouble(0.0);
        goto done;
    }
    if (but >= 0)
        but_check(but, where, valences, count);
    result = finish(state, valences, count, s.text);
done:
    if (s.lw)
        for (i = 0; i < s.n; i++)
            Py_XDECREF(s.lw[i]);
    PyMem_Free(s.lw);
    PyMem_Free(s.bounds);
    PyMem_Free(where);
    PyMem_Free(valences);
    PyMem_Free(is_scored);
    Py_XDECREF(s.text);
    return result;
}

static PyMethodDef vader_methods[] = {
    {"compound", (PyCFunction)(void (*)(void))vader_compound, METH_FASTCALL, compound_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef vader_module = {
    PyModuleDef_HEAD_INIT, "framing._accel.vader",
    "VADER's compound score (framing.scoring.sentiment._Vader.compound), compiled.", -1, vader_methods,
};

PyMODINIT_FUNC PyInit_vader(void)
{
    s_nt = PyUnicode_InternFromString("n't");
    if (!s_nt)
        return NULL;
    return PyModule_Create(&vader_module);
}
