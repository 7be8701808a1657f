/* Sentence spans of one line: framing.text._PunktSpans.__call__ (NLTK's Punkt with parameters
 * that hold abbreviations only), compiled.
 *
 * The reference is _PunktSpans in framing/text.py, which runs NLTK's own regular expressions
 * (compiled by the third-party `regex` module):
 *
 *   period context  [.?!](?=(?P<after_tok>NONWORD|\s+(?P<next_tok>\S+)))
 *   word tokens     MULTI | (?=WORDSTART)\S+?(?=\s|$|NONWORD|MULTI|,(?=$|\s|NONWORD|MULTI)) | \S
 *   multi-char      \-{2,} | \.{2,} | (?:\.\s){2,}\.
 *   realignment     CLOSERS+?(?:\s+|(?=--)|$)
 *
 * with NONWORD, CLOSERS and WORDSTART the character sets below. framing.text checks at first use
 * that NLTK's patterns are still exactly these (and that `regex`'s \s is the set rx_space
 * gives) before it uses this module; tests/test_accel_punkt.py checks the whitespace set over
 * every code point and compares both paths on hostile and real text.
 *
 * A candidate context is decided here when every token that reaches the abbreviation test is
 * ASCII (their lower-casing, and \w and \d in the initial and number tests, are then plain
 * ASCII); otherwise the context is passed to the Python `is_break` given, so no Unicode rule of
 * `regex` or of str.lower has to be copied. Lines only: a line break in the text is an error.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "ascii_lower.h"
#include "span_buffer.h"

typedef struct {
    int kind;
    const void *data;
} Chars;

static inline Py_UCS4 at(const Chars *t, Py_ssize_t i) { return PyUnicode_READ(t->kind, t->data, i); }

/* `regex`'s \s: str.isspace except the four ASCII information separators U+001C..U+001F. */
static inline int rx_space(Py_UCS4 c)
{
    if (c < 128)
        return c == ' ' || (c >= 9 && c <= 13);
    return Py_UNICODE_ISSPACE(c);
}

static inline int py_space(Py_UCS4 c) { return Py_UNICODE_ISSPACE(c); }

static inline int ascii_space(Py_UCS4 c) { return c == ' ' || (c >= 9 && c <= 13); } /* string.whitespace */

static inline int curly(Py_UCS4 c) { return c == 0x2018 || c == 0x2019 || c == 0x201C || c == 0x201D || c == 0xAB || c == 0xBB; }

/* (?:[)\";}\]\*:@\'\({\[‘’“”«»\?!]) */
static inline int nonword(Py_UCS4 c)
{
    switch (c) {
    case ')': case '"': case ';': case '}': case ']': case '*': case ':': case '@': case '\'': case '(': case '{': case '[':
    case '?': case '!':
        return 1;
    default:
        return curly(c);
    }
}

/* ["\')\]}‘’“”«»] */
static inline int closer(Py_UCS4 c) { return c == '"' || c == '\'' || c == ')' || c == ']' || c == '}' || curly(c); }

/* [^\(\"\`{\[:;&\#\*@\)}\]\-,] */
static inline int word_start(Py_UCS4 c)
{
    switch (c) {
    case '(': case '"': case '`': case '{': case '[': case ':': case ';': case '&': case '#': case '*': case '@': case ')':
    case '}': case ']': case '-': case ',':
        return 0;
    default:
        return 1;
    }
}

/* Length of the multi-char punctuation match at q (searching up to n), 0 for none. */
static Py_ssize_t multichar(const Chars *t, Py_ssize_t q, Py_ssize_t n)
{
    Py_UCS4 c;
    Py_ssize_t r, reps;
    if (q + 1 >= n)
        return 0;
    c = at(t, q);
    if (c == '-' || (c == '.' && at(t, q + 1) == '.')) { /* \-{2,} or \.{2,} */
        if (at(t, q + 1) != c)
            return 0;
        r = q + 2;
        while (r < n && at(t, r) == c)
            r++;
        return r - q;
    }
    if (c != '.')
        return 0;
    /* (?:\.\s){2,}\. : the most pairs, then a dot; else one pair fewer, whose dot follows */
    reps = 0;
    r = q;
    while (r + 1 < n && at(t, r) == '.' && rx_space(at(t, r + 1))) {
        reps++;
        r += 2;
    }
    if (reps >= 2 && r < n && at(t, r) == '.')
        return 2 * reps + 1;
    if (reps >= 3)
        return 2 * reps - 1;
    return 0;
}

/* The end-of-word lookahead of the word tokenizer at q. */
static int word_end(const Chars *t, Py_ssize_t q, Py_ssize_t n)
{
    Py_UCS4 c;
    if (q >= n)
        return 1;
    c = at(t, q);
    if (rx_space(c) || nonword(c) || multichar(t, q, n))
        return 1;
    if (c == ',')
        return q + 1 >= n || rx_space(at(t, q + 1)) || nonword(at(t, q + 1)) || multichar(t, q + 1, n);
    return 0;
}


/* The word tokens of text[a:n] (findall of the word tokenizer on that slice). */
static int word_tokens(const Chars *t, Py_ssize_t p, Py_ssize_t n, SpanBuffer *out)
{
    while (p < n) {
        Py_UCS4 c = at(t, p);
        Py_ssize_t len = multichar(t, p, n), q;
        if (len) {
            if (span_buffer_push(out, p, p + len) < 0)
                return -1;
            p += len;
            continue;
        }
        if (rx_space(c)) {
            p++;
            continue;
        }
        q = p + 1;
        if (word_start(c)) /* \S+? up to the first end of word */
            while (!word_end(t, q, n))
                q++;
        if (span_buffer_push(out, p, q) < 0)
            return -1;
        p = q;
    }
    return 0;
}

static int all_ascii(const Chars *t, Py_ssize_t a, Py_ssize_t b)
{
    for (; a < b; a++)
        if (at(t, a) > 127)
            return 0;
    return 1;
}

static inline PyObject *ascii_lower(const Chars *t, Py_ssize_t a, Py_ssize_t b) { return ascii_lower_of(t->kind, t->data, a, b); }

/* low in abbrev or low.split("-")[-1] in abbrev, for the ASCII text[a:b]; -1 on error. */
static int is_abbreviation(const Chars *t, Py_ssize_t a, Py_ssize_t b, PyObject *abbrev)
{
    PyObject *low = ascii_lower(t, a, b), *last;
    Py_ssize_t dash;
    int found;
    if (!low)
        return -1;
    found = PySet_Contains(abbrev, low);
    if (found == 0) {
        for (dash = b - 1; dash >= a && at(t, dash) != '-'; dash--)
            ;
        if (dash >= a) {
            last = PyUnicode_Substring(low, dash + 1 - a, b - a);
            found = last ? PySet_Contains(abbrev, last) : -1;
            Py_XDECREF(last);
        }
    }
    Py_DECREF(low);
    return found;
}

/* ^-?[\.,]?\d[\d,\.-]*\.?$ on ASCII text, or the token "##number##." (which the Punkt code,
 * replacing numbers by "##number##" and then dropping a final full stop, takes for a number). */
static int is_number(const Chars *t, Py_ssize_t a, Py_ssize_t b)
{
    static const char literal[] = "##number##.";
    Py_ssize_t i = a;
    if (b - a == (Py_ssize_t)sizeof(literal) - 1) {
        Py_ssize_t k;
        for (k = 0; k < b - a; k++) {
            Py_UCS4 c = at(t, a + k);
            if (c >= 'A' && c <= 'Z')
                c += 32;
            if (c != (Py_UCS4)literal[k])
                break;
        }
        if (k == b - a)
            return 1;
    }
    if (i < b && at(t, i) == '-')
        i++;
    if (i < b && (at(t, i) == '.' || at(t, i) == ','))
        i++;
    if (i >= b || at(t, i) < '0' || at(t, i) > '9')
        return 0;
    for (i++; i < b; i++) {
        Py_UCS4 c = at(t, i);
        if (!((c >= '0' && c <= '9') || c == ',' || c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

static inline int is_one_of(const Chars *t, Py_ssize_t a, Py_ssize_t b, const char *set)
{
    return b - a == 1 && at(t, a) < 128 && strchr(set, (int)at(t, a)) != NULL && at(t, a) != 0;
}

/* _PunktSpans._is_break on text[a:n]: 1, 0, or -1 on error. */
static int is_break(PyObject *text, const Chars *t, Py_ssize_t a, Py_ssize_t n, PyObject *abbrev, PyObject *fallback)
{
    SpanBuffer toks;
    Py_ssize_t k, count;
    int result = 0;
    span_buffer_init(&toks);
    if (word_tokens(t, a, n, &toks) < 0) {
        span_buffer_free(&toks);
        return -1;
    }
    count = toks.n / 2;
    for (k = 0; k + 1 < count; k++) {
        Py_ssize_t ta = toks.bounds[2 * k], tb = toks.bounds[2 * k + 1], len = tb - ta;
        int brk = 0;
        if (is_one_of(t, ta, tb, ".?!"))
            brk = 1;
        else if (at(t, tb - 1) == '.' && !(len >= 2 && at(t, tb - 2) == '.')) {
            /* not an ellipsis (a token of dots ends in "..") */
            int abbreviation;
            if (!all_ascii(t, ta, tb)) {
                /* lower-casing, \w and \d outside ASCII: the Python reference decides */
                PyObject *context = PyUnicode_Substring(text, a, n), *answer;
                span_buffer_free(&toks);
                if (!context)
                    return -1;
                answer = PyObject_CallOneArg(fallback, context);
                Py_DECREF(context);
                if (!answer)
                    return -1;
                result = PyObject_IsTrue(answer);
                Py_DECREF(answer);
                return result;
            }
            abbreviation = is_abbreviation(t, ta, tb - 1, abbrev);
            if (abbreviation < 0) {
                result = -1;
                break;
            }
            brk = !abbreviation;
        }
        if (brk && at(t, tb - 1) == '.') {
            Py_UCS4 first = at(t, ta);
            int initial = len == 2 && ((first >= 'A' && first <= 'Z') || (first >= 'a' && first <= 'z') || first == '_');
            if (initial || is_number(t, ta, tb)) {
                Py_ssize_t na = toks.bounds[2 * k + 2], nb = toks.bounds[2 * k + 3];
                Py_UCS4 next = at(t, na);
                if (is_one_of(t, na, nb, ";:,.!?") || Py_UNICODE_ISLOWER(next))
                    brk = 0;
                else if (initial && Py_UNICODE_ISUPPER(next))
                    brk = 0;
            }
        }
        if (brk) {
            result = 1;
            break;
        }
    }
    span_buffer_free(&toks);
    return result;
}

/* The realignment match at the start of text[a:b]: its end relative to a, or -1. */
static Py_ssize_t realignment(const Chars *t, Py_ssize_t a, Py_ssize_t b)
{
    Py_ssize_t q = a;
    while (q < b && closer(at(t, q))) {
        q++;
        if (q < b && rx_space(at(t, q))) {
            Py_ssize_t r = q;
            while (r < b && rx_space(at(t, r)))
                r++;
            return r - a;
        }
        if (q + 1 < b && at(t, q) == '-' && at(t, q + 1) == '-')
            return q - a;
        if (q == b)
            return q - a;
    }
    return -1;
}

PyDoc_STRVAR(spans_doc,
"spans(line, abbrev, is_break) -> list of (start, end)\n\n"
"_PunktSpans(punkt)(line): sentence spans of one line (no '\\n'); `abbrev` is the set of\n"
"abbreviation types, `is_break` the Python decision for contexts it leaves to Python.");

static PyObject *punkt_spans(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *text, *abbrev, *fallback, *out = NULL;
    Chars t;
    Py_ssize_t n, i, prev_start = 0, prev_stop = 0, last_break = 0, stripped, k, last;
    Py_ssize_t prev_end = -1, prev_after = 0, prev_next = -1; /* the pending candidate */
    SpanBuffer breaks;

    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "spans() takes line, abbrev, is_break");
        return NULL;
    }
    text = args[0];
    abbrev = args[1];
    fallback = args[2];
    if (!PyUnicode_Check(text) || !PyAnySet_Check(abbrev)) {
        PyErr_SetString(PyExc_TypeError, "spans() takes a str and a set");
        return NULL;
    }
    t.kind = PyUnicode_KIND(text);
    t.data = PyUnicode_DATA(text);
    n = PyUnicode_GET_LENGTH(text);
    if (PyUnicode_FindChar(text, '\n', 0, n, 1) != -1) {
        PyErr_SetString(PyExc_ValueError, "spans() splits one line: the text holds a line break");
        return NULL;
    }
    span_buffer_init(&breaks);

    /* _slices_from_text over _match_potential_end_contexts: candidates are found one ahead,
     * as NLTK yields the previous one only when the next one starts a new word. */
    for (i = 0; i <= n; i++) {
        Py_ssize_t after = 0, next_tok = -1, word, ws;
        int have = 0;
        if (i < n) {
            Py_UCS4 c = at(&t, i);
            if (c != '.' && c != '?' && c != '!')
                continue;
            if (i + 1 < n && nonword(at(&t, i + 1))) {
                after = i + 2;
                have = 1;
            }
            else if (i + 1 < n && rx_space(at(&t, i + 1))) {
                Py_ssize_t j = i + 1;
                while (j < n && rx_space(at(&t, j)))
                    j++;
                if (j < n) {
                    next_tok = j;
                    while (j < n && !rx_space(at(&t, j)))
                        j++;
                    after = j;
                    have = 1;
                }
            }
            if (!have)
                continue;
            /* the last ASCII whitespace in text[prev_stop:i], as an offset into it */
            for (ws = i - 1; ws >= prev_stop && !ascii_space(at(&t, ws)); ws--)
                ;
            ws = ws >= prev_stop ? ws - prev_stop : -1;
            word = ws > 0 ? ws + prev_stop + 1 : prev_start;
        }
        else
            word = PY_SSIZE_T_MAX; /* the end: the pending candidate is yielded */
        if (prev_end >= 0 && prev_stop <= word) {
            int brk = is_break(text, &t, prev_start, prev_after, abbrev, fallback);
            if (brk < 0)
                goto fail;
            if (brk) {
                if (span_buffer_push(&breaks, last_break, prev_end) < 0)
                    goto fail;
                last_break = prev_next >= 0 ? prev_next : prev_end;
            }
        }
        if (i == n)
            break;
        prev_end = i + 1;
        prev_after = after;
        prev_next = next_tok;
        prev_start = word;
        prev_stop = i;
    }
    for (stripped = n; stripped > 0 && py_space(at(&t, stripped - 1)); stripped--)
        ;
    if (span_buffer_push(&breaks, last_break, stripped) < 0)
        goto fail;

    /* _realign_boundaries */
    out = PyList_New(0);
    if (!out)
        goto fail;
    {
        Py_ssize_t realign = 0;
        last = breaks.n / 2 - 1;
        for (k = 0; k <= last; k++) {
            Py_ssize_t start = breaks.bounds[2 * k] + realign, stop = breaks.bounds[2 * k + 1], end = -1;
            PyObject *span;
            if (k == last) {
                if (stop > start)
                    end = stop;
            }
            else {
                Py_ssize_t next_start = breaks.bounds[2 * k + 2], next_stop = breaks.bounds[2 * k + 3];
                Py_ssize_t m = realignment(&t, next_start, next_stop);
                if (m >= 0) {
                    Py_ssize_t kept = m;
                    while (kept > 0 && py_space(at(&t, next_start + kept - 1)))
                        kept--; /* m.group(0).rstrip() */
                    end = next_start + kept;
                    realign = m;
                }
                else {
                    realign = 0;
                    if (stop > start)
                        end = stop;
                }
            }
            if (end < 0)
                continue;
            span = Py_BuildValue("(nn)", start, end);
            if (!span || PyList_Append(out, span) < 0) {
                Py_XDECREF(span);
                goto fail;
            }
            Py_DECREF(span);
        }
    }
    span_buffer_free(&breaks);
    return out;
fail:
    span_buffer_free(&breaks);
    Py_XDECREF(out);
    return NULL;
}

static PyMethodDef punkt_methods[] = {
    {"spans", (PyCFunction)(void (*)(void))punkt_spans, METH_FASTCALL, spans_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef punkt_module = {
    PyModuleDef_HEAD_INIT, "framing._accel.punkt",
    "Punkt sentence spans of a line (framing.text._PunktSpans), compiled.", -1, punkt_methods,
};

PyMODINIT_FUNC PyInit_punkt(void) { return PyModule_Create(&punkt_module); }
