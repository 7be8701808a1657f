/* PhraseMatcher.find (framing/lexicon/matcher.py), compiled: the same trie of Python _Node
 * objects, walked here instead of in Python.
 *
 * The reference is `PhraseMatcher.find` with `_longest` and `_Node.step`: for each token
 * position from left to right (skipping positions inside the last match), the root's children
 * for that token come from the matcher's memo (a dict; on a miss, computed from the root and
 * remembered as `_FirstSteps.__missing__` does, when the memo computes first steps); from each
 * the trie is walked depth first with an explicit stack in the order Python uses (children of
 * a node: the exact child, then the wildcard children by increasing prefix length; the last
 * pushed is walked first), and the longest payload wins, an all-exact pattern beating a
 * wildcard one of the same length, otherwise the first found. Python's shortcuts in `find`
 * (a one-token entry that nothing extends, a phrase the next token rules out) give what
 * `_longest` gives, so they are not repeated.
 *
 * Nodes are read through their attributes (exact, prefix, prefix_lengths, payload,
 * payload_is_exact); the tokens are copied into a tuple first, so no Python code run meanwhile
 * (a dict look-up can run a key's __eq__) can change them under the walk.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *s_exact, *s_prefix, *s_prefix_lengths, *s_payload, *s_payload_is_exact;

typedef struct {
    PyObject *node; /* a new reference */
    Py_ssize_t end;
} Frame;

typedef struct {
    Frame *items;
    Py_ssize_t n, cap;
    Frame local[64];
} Stack;

static void stack_init(Stack *s)
{
    s->items = s->local;
    s->n = 0;
    s->cap = 64;
}

static void stack_clear(Stack *s)
{
    while (s->n)
        Py_DECREF(s->items[--s->n].node);
    if (s->items != s->local)
        PyMem_Free(s->items);
    s->items = s->local;
    s->cap = 64;
}

/* Push a new reference (stolen). */
static int stack_push(Stack *s, PyObject *node, Py_ssize_t end)
{
    if (s->n == s->cap) {
        Py_ssize_t cap = s->cap * 2;
        Frame *grown;
        if (cap > PY_SSIZE_T_MAX / (Py_ssize_t)sizeof(Frame)) {
            Py_DECREF(node);
            PyErr_NoMemory();
            return -1;
        }
        if (s->items == s->local) {
            grown = PyMem_Malloc(cap * sizeof(Frame));
            if (grown)
                memcpy(grown, s->local, s->n * sizeof(Frame));
        }
        else
            grown = PyMem_Realloc(s->items, cap * sizeof(Frame));
        if (!grown) {
            Py_DECREF(node);
            PyErr_NoMemory();
            return -1;
        }
        s->items = grown;
        s->cap = cap;
    }
    s->items[s->n].node = node;
    s->items[s->n].end = end;
    s->n++;
    return 0;
}

/* Is a dict attribute of node non-empty? -1 on error. */
static int attr_nonempty(PyObject *node, PyObject *name)
{
    PyObject *value = PyObject_GetAttr(node, name);
    int truth;
    if (!value)
        return -1;
    truth = PyObject_IsTrue(value);
    Py_DECREF(value);
    return truth;
}

/* children[key] pushed with `end` if present (a missing key is no step); -1 with an exception.
 * A node's children are a plain dict: looked up without raising (and clearing) a KeyError for
 * the usual miss, which cost more than the walk itself; anything else through its __getitem__. */
static int push_child(Stack *stack, PyObject *children, PyObject *key, Py_ssize_t end)
{
    PyObject *child;
    if (PyDict_CheckExact(children)) {
        child = PyDict_GetItemWithError(children, key); /* borrowed */
        if (!child)
            return PyErr_Occurred() ? -1 : 0;
        Py_INCREF(child);
        return stack_push(stack, child, end); /* steals the reference */
    }
    child = PyObject_GetItem(children, key);
    if (child)
        return stack_push(stack, child, end); /* steals the reference */
    if (!PyErr_ExceptionMatches(PyExc_KeyError))
        return -1;
    PyErr_Clear();
    return 0;
}

/* Push node.step(token) with `end`, in step's order. */
static int push_steps(Stack *stack, PyObject *node, PyObject *token, Py_ssize_t end)
{
    PyObject *exact = NULL, *prefix = NULL, *lengths = NULL;
    Py_ssize_t k, n_lengths, n_chars;
    int rc = -1;

    exact = PyObject_GetAttr(node, s_exact);
    if (!exact)
        goto done;
    if (push_child(stack, exact, token, end) < 0)
        goto done;
    lengths = PyObject_GetAttr(node, s_prefix_lengths);
    if (!lengths)
        goto done;
    if (!PyTuple_Check(lengths)) {
        PyErr_SetString(PyExc_TypeError, "prefix_lengths must be a tuple");
        goto done;
    }
    n_lengths = PyTuple_GET_SIZE(lengths);
    if (n_lengths) {
        if (!PyUnicode_Check(token)) {
            PyErr_SetString(PyExc_TypeError, "tokens must be str");
            goto done;
        }
        n_chars = PyUnicode_GET_LENGTH(token);
        prefix = PyObject_GetAttr(node, s_prefix);
        if (!prefix)
            goto done;
        for (k = 0; k < n_lengths; k++) {
            PyObject *cut;
            Py_ssize_t length = PyLong_AsSsize_t(PyTuple_GET_ITEM(lengths, k));
            if (length == -1 && PyErr_Occurred())
                goto done;
            if (length > n_chars)
                break;
            int pushed;
            cut = PyUnicode_Substring(token, 0, length);
            if (!cut)
                goto done;
            pushed = push_child(stack, prefix, cut, end);
            Py_DECREF(cut);
            if (pushed < 0)
                goto done;
        }
    }
    rc = 0;
done:
    Py_XDECREF(exact);
    Py_XDECREF(prefix);
    Py_XDECREF(lengths);
    return rc;
}

/* _longest: the longest match from the root's children `starts` at token i, as a new
 * (end, payload) reference in *best_payload / *best_end; *best_payload stays NULL for none. */
static int longest(PyObject *starts, PyObject *tokens, Py_ssize_t i, Py_ssize_t *best_end, PyObject **best_payload)
{
    Py_ssize_t n = PyTuple_GET_SIZE(tokens), k;
    int best_exact = 0;
    Stack stack;
    stack_init(&stack);
    *best_payload = NULL;
    for (k = 0; k < PyTuple_GET_SIZE(starts); k++) {
        PyObject *node = PyTuple_GET_ITEM(starts, k);
        Py_INCREF(node);
        if (stack_push(&stack, node, i + 1) < 0)
            goto fail;
    }
    while (stack.n) {
        Frame frame = stack.items[--stack.n];
        PyObject *node = frame.node, *payload;
        int more;
        payload = PyObject_GetAttr(node, s_payload);
        if (!payload) {
            Py_DECREF(node);
            goto fail;
        }
        if (payload != Py_None) {
            int exact;
            PyObject *flag = PyObject_GetAttr(node, s_payload_is_exact);
            if (!flag) {
                Py_DECREF(payload);
                Py_DECREF(node);
                goto fail;
            }
            exact = PyObject_IsTrue(flag);
            Py_DECREF(flag);
            if (exact < 0) {
                Py_DECREF(payload);
                Py_DECREF(node);
                goto fail;
            }
            if (*best_payload == NULL || frame.end > *best_end || (frame.end == *best_end && exact && !best_exact)) {
                Py_XSETREF(*best_payload, payload);
                payload = NULL;
                *best_end = frame.end;
                best_exact = exact;
            }
        }
        Py_XDECREF(payload);
        if (frame.end < n) {
            more = attr_nonempty(node, s_exact);
            if (more == 0)
                more = attr_nonempty(node, s_prefix);
            if (more < 0 || (more && push_steps(&stack, node, PyTuple_GET_ITEM(tokens, frame.end), frame.end + 1) < 0)) {
                Py_DECREF(node);
                goto fail;
            }
        }
        Py_DECREF(node);
    }
    stack_clear(&stack);
    return 0;
fail:
    stack_clear(&stack);
    Py_CLEAR(*best_payload);
    return -1;
}

/* root.step(token) as a tuple, in step's order; a new reference. */
static PyObject *root_steps(PyObject *root, PyObject *token)
{
    Stack stack;
    PyObject *out;
    Py_ssize_t k;
    stack_init(&stack);
    if (push_steps(&stack, root, token, 0) < 0) {
        stack_clear(&stack);
        return NULL;
    }
    out = PyTuple_New(stack.n);
    if (!out) {
        stack_clear(&stack);
        return NULL;
    }
    for (k = 0; k < stack.n; k++)
        PyTuple_SET_ITEM(out, k, stack.items[k].node); /* the stack's references move to the tuple */
    stack.n = 0;
    stack_clear(&stack);
    return out;
}

/* memo[token] as a tuple of nodes, a new reference. With `root` (a memo that computes first
 * steps), a miss is computed here as _FirstSteps.__missing__ does: root.step(token), stored
 * after clearing the memo if it holds `limit` tokens. Without, a miss starts nothing (NULL, no
 * error: the fixed table of an all-exact start, memo.get(token)). */
static PyObject *first_steps(PyObject *memo, PyObject *token, PyObject *root, Py_ssize_t limit)
{
    PyObject *found = PyDict_GetItemWithError(memo, token); /* borrowed */
    if (found) {
        Py_INCREF(found);
    }
    else {
        if (PyErr_Occurred() || root == NULL)
            return NULL;
        found = root_steps(root, token);
        if (!found)
            return NULL;
        if (PyDict_GET_SIZE(memo) >= limit)
            PyDict_Clear(memo);
        if (PyDict_SetItem(memo, token, found) < 0) {
            Py_DECREF(found);
            return NULL;
        }
    }
    if (!PyTuple_Check(found)) {
        Py_DECREF(found);
        PyErr_SetString(PyExc_TypeError, "first steps must be tuples of nodes");
        return NULL;
    }
    return found;
}

PyDoc_STRVAR(find_doc,
"find(memo, tokens[, root, limit]) -> list of (start, end, payload)\n\n"
"PhraseMatcher.find over `tokens`, given the matcher's memo of first steps (a dict: token ->\n"
"tuple of root children). With `root` and `limit`, a token missing from the memo is looked up\n"
"from the root and remembered (a memo bounded at `limit` tokens); without, it starts nothing.");

static PyObject *matcher_find(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *memo, *root = NULL, *tokens = NULL, *out = NULL;
    Py_ssize_t n, i, resume = 0, limit = 0;
    if (nargs != 2 && nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "find() takes memo, tokens[, root, limit]");
        return NULL;
    }
    memo = args[0];
    if (!PyDict_Check(memo)) {
        PyErr_SetString(PyExc_TypeError, "find(): the memo must be a dict");
        return NULL;
    }
    if (nargs == 4) {
        root = args[2];
        limit = PyNumber_AsSsize_t(args[3], PyExc_OverflowError);
        if (limit == -1 && PyErr_Occurred())
            return NULL;
    }
    tokens = PySequence_Tuple(args[1]);
    if (!tokens)
        return NULL;
    out = PyList_New(0);
    if (!out)
        goto fail;
    n = PyTuple_GET_SIZE(tokens);
    for (i = 0; i < n; i++) {
        PyObject *starts, *payload = NULL, *hit;
        Py_ssize_t end = 0;
        if (i < resume)
            continue;
        starts = first_steps(memo, PyTuple_GET_ITEM(tokens, i), root, limit);
        if (!starts) {
            if (PyErr_Occurred())
                goto fail;
            continue;
        }
        if (PyTuple_GET_SIZE(starts) == 0) {
            Py_DECREF(starts);
            continue;
        }
        if (longest(starts, tokens, i, &end, &payload) < 0) {
            Py_DECREF(starts);
            goto fail;
        }
        Py_DECREF(starts);
        if (!payload)
            continue;
        hit = Py_BuildValue("(nnN)", i, end, payload);
        if (!hit || PyList_Append(out, hit) < 0) {
            Py_XDECREF(hit);
            goto fail;
        }
        Py_DECREF(hit);
        resume = end;
    }
    Py_DECREF(tokens);
    return out;
fail:
    Py_XDECREF(tokens);
    Py_XDECREF(out);
    return NULL;
}

/* The first steps of `token` for each matcher of a group, as MatcherGroup.find needs them: a
 * tuple with one tuple of root children per matcher, or None when no matcher starts at the
 * token (most tokens); a new reference. Looked up in the group's memo (token -> that value) and
 * on a miss computed from each matcher's spec, (root, table): with a table (an all-exact start)
 * table.get(token, ()), without one root.step(token); then stored after clearing the memo if it
 * holds `limit` tokens. */
static PyObject *group_steps(PyObject *memo, PyObject *token, PyObject *specs, Py_ssize_t limit)
{
    Py_ssize_t n_specs = PyTuple_GET_SIZE(specs), j;
    PyObject *found = PyDict_GetItemWithError(memo, token), *steps; /* borrowed */
    int any = 0;
    if (found) {
        if (found != Py_None && !(PyTuple_Check(found) && PyTuple_GET_SIZE(found) == n_specs)) {
            PyErr_SetString(PyExc_TypeError, "a group's first steps must be None or one tuple per matcher");
            return NULL;
        }
        Py_INCREF(found);
        return found;
    }
    if (PyErr_Occurred())
        return NULL;
    steps = PyTuple_New(n_specs);
    if (!steps)
        return NULL;
    for (j = 0; j < n_specs; j++) {
        PyObject *spec = PyTuple_GET_ITEM(specs, j), *root = PyTuple_GET_ITEM(spec, 0), *table = PyTuple_GET_ITEM(spec, 1), *first;
        if (table == Py_None)
            first = root_steps(root, token);
        else {
            first = first_steps(table, token, NULL, 0);
            if (!first && !PyErr_Occurred())
                first = PyTuple_New(0);
        }
        if (!first) {
            Py_DECREF(steps);
            return NULL;
        }
        any |= PyTuple_GET_SIZE(first) > 0;
        PyTuple_SET_ITEM(steps, j, first);
    }
    if (!any)
        Py_SETREF(steps, Py_NewRef(Py_None));
    if (PyDict_GET_SIZE(memo) >= limit)
        PyDict_Clear(memo);
    if (PyDict_SetItem(memo, token, steps) < 0) {
        Py_DECREF(steps);
        return NULL;
    }
    return steps;
}

/* Are `specs` a tuple of (root, table) pairs, each table a dict or None? */
static int check_specs(PyObject *specs)
{
    Py_ssize_t j;
    if (!PyTuple_Check(specs))
        goto bad;
    for (j = 0; j < PyTuple_GET_SIZE(specs); j++) {
        PyObject *spec = PyTuple_GET_ITEM(specs, j);
        if (!PyTuple_Check(spec) || PyTuple_GET_SIZE(spec) != 2)
            goto bad;
        if (PyTuple_GET_ITEM(spec, 1) != Py_None && !PyDict_Check(PyTuple_GET_ITEM(spec, 1)))
            goto bad;
    }
    return 0;
bad:
    PyErr_SetString(PyExc_TypeError, "find_group(): specs must be a tuple of (root, table or None) pairs");
    return -1;
}

PyDoc_STRVAR(find_group_doc,
"find_group(memo, tokens, specs, limit) -> list of lists of (start, end, payload)\n\n"
"MatcherGroup.find: PhraseMatcher.find of each matcher of a group over the same `tokens`, in one\n"
"pass that looks each token up once for all of them. `specs` gives each matcher's (root, table):\n"
"its fixed table of first steps when no pattern starts with a wildcard, else None; `memo` is the\n"
"group's (a dict: token -> None or a tuple of each matcher's first steps), bounded at `limit`.");

static PyObject *matcher_find_group(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *memo, *specs, *tokens = NULL, *out = NULL;
    Py_ssize_t n, i, j, n_specs, limit, *resume = NULL;
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "find_group() takes memo, tokens, specs, limit");
        return NULL;
    }
    memo = args[0];
    specs = args[2];
    if (!PyDict_Check(memo)) {
        PyErr_SetString(PyExc_TypeError, "find_group(): the memo must be a dict");
        return NULL;
    }
    if (check_specs(specs) < 0)
        return NULL;
    limit = PyNumber_AsSsize_t(args[3], PyExc_OverflowError);
    if (limit == -1 && PyErr_Occurred())
        return NULL;
    n_specs = PyTuple_GET_SIZE(specs);
    tokens = PySequence_Tuple(args[1]);
    if (!tokens)
        return NULL;
    n = PyTuple_GET_SIZE(tokens);
    out = PyList_New(n_specs);
    resume = PyMem_Calloc(n_specs ? n_specs : 1, sizeof(Py_ssize_t));
    if (!out || !resume) {
        if (!resume)
            PyErr_NoMemory();
        goto fail;
    }
    for (j = 0; j < n_specs; j++) {
        PyObject *found = PyList_New(0);
        if (!found)
            goto fail;
        PyList_SET_ITEM(out, j, found);
    }
    for (i = 0; i < n && n_specs; i++) {
        PyObject *steps = group_steps(memo, PyTuple_GET_ITEM(tokens, i), specs, limit);
        if (!steps)
            goto fail;
        for (j = 0; steps != Py_None && j < n_specs; j++) {
            PyObject *starts = PyTuple_GET_ITEM(steps, j), *payload = NULL, *hit;
            Py_ssize_t end = 0;
            if (i < resume[j])
                continue;
            if (!PyTuple_Check(starts)) {
                PyErr_SetString(PyExc_TypeError, "first steps must be tuples of nodes");
                Py_DECREF(steps);
                goto fail;
            }
            if (PyTuple_GET_SIZE(starts) == 0)
                continue;
            if (longest(starts, tokens, i, &end, &payload) < 0) {
                Py_DECREF(steps);
                goto fail;
            }
            if (!payload)
                continue;
            hit = Py_BuildValue("(nnN)", i, end, payload);
            if (!hit || PyList_Append(PyList_GET_ITEM(out, j), hit) < 0) {
                Py_XDECREF(hit);
                Py_DECREF(steps);
                goto fail;
            }
            Py_DECREF(hit);
            resume[j] = end;
        }
        Py_DECREF(steps);
    }
    PyMem_Free(resume);
    Py_DECREF(tokens);
    return out;
fail:
    PyMem_Free(resume);
    Py_XDECREF(tokens);
    Py_XDECREF(out);
    return NULL;
}

/* by_sentence(hits, starts): framing.lexicon.matcher._pure_by_sentence, the reference. */
PyDoc_STRVAR(by_sentence_doc,
"by_sentence(hits, starts) -> list of (k, base, hits)\n\n"
"Matches (start, end, payload) found over a document's token list grouped by sentence: for\n"
"each run of matches in one sentence k (the last of `starts` at or before the match's start,\n"
"as bisect_right finds it), (k, starts[k], [(start - base, end - base, payload), ...]).\n"
"ValueError for a match before the first start.");

/* the int `value` as a Py_ssize_t; -1 with TypeError (not an int) or OverflowError */
static int position_of(PyObject *value, Py_ssize_t *out)
{
    if (!PyLong_Check(value)) {
        PyErr_SetString(PyExc_TypeError, "by_sentence(): positions must be int");
        return -1;
    }
    *out = PyLong_AsSsize_t(value);
    return *out == -1 && PyErr_Occurred() ? -1 : 0;
}

static PyObject *matcher_by_sentence(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *hits = NULL, *starts = NULL, *out = NULL, *group = NULL; /* group: borrowed from `out` */
    Py_ssize_t *first = NULL, n_starts, i, current = -1, base = 0;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "by_sentence() takes hits, starts");
        return NULL;
    }
    /* snapshots: their items are held while they are read */
    hits = PySequence_Tuple(args[0]);
    starts = hits ? PySequence_Tuple(args[1]) : NULL;
    if (!starts)
        goto fail;
    n_starts = PyTuple_GET_SIZE(starts);
    first = PyMem_Malloc((n_starts ? n_starts : 1) * sizeof(Py_ssize_t));
    out = PyList_New(0);
    if (!first || !out) {
        if (!first)
            PyErr_NoMemory();
        goto fail;
    }
    for (i = 0; i < n_starts; i++)
        if (position_of(PyTuple_GET_ITEM(starts, i), &first[i]) < 0)
            goto fail;
    for (i = 0; i < PyTuple_GET_SIZE(hits); i++) {
        PyObject *hit = PyTuple_GET_ITEM(hits, i), *relative;
        Py_ssize_t s, e, lo = 0, hi = n_starts, rs, re;
        if (!PyTuple_Check(hit) || PyTuple_GET_SIZE(hit) != 3) {
            PyErr_SetString(PyExc_TypeError, "by_sentence(): each hit must be a tuple (start, end, payload)");
            goto fail;
        }
        if (position_of(PyTuple_GET_ITEM(hit, 0), &s) < 0 || position_of(PyTuple_GET_ITEM(hit, 1), &e) < 0)
            goto fail;
        while (lo < hi) { /* bisect_right: the first start after s */
            Py_ssize_t mid = lo + (hi - lo) / 2;
            if (s < first[mid])
                hi = mid;
            else
                lo = mid + 1;
        }
        if (lo == 0) {
            PyErr_SetString(PyExc_ValueError, "by_sentence(): a match starts before the first sentence");
            goto fail;
        }
        if (lo - 1 != current) {
            PyObject *run;
            current = lo - 1;
            base = first[current];
            group = PyList_New(0);
            if (!group)
                goto fail;
            run = Py_BuildValue("(nnN)", current, base, group); /* the run holds the group */
            if (!run || PyList_Append(out, run) < 0) {
                Py_XDECREF(run);
                goto fail;
            }
            Py_DECREF(run); /* `out` holds the run: the group is borrowed from here on */
        }
        if (__builtin_sub_overflow(s, base, &rs) || __builtin_sub_overflow(e, base, &re)) {
            PyErr_SetString(PyExc_OverflowError, "by_sentence(): position out of range");
            goto fail;
        }
        relative = Py_BuildValue("(nnO)", rs, re, PyTuple_GET_ITEM(hit, 2));
        if (!relative || PyList_Append(group, relative) < 0) {
            Py_XDECREF(relative);
            goto fail;
        }
        Py_DECREF(relative);
    }
    PyMem_Free(first);
    Py_DECREF(hits);
    Py_DECREF(starts);
    return out;
fail:
    PyMem_Free(first);
    Py_XDECREF(hits);
    Py_XDECREF(starts);
    Py_XDECREF(out);
    return NULL;
}

/* joined(parts, separator): framing.lexicon.matcher._pure_joined, the reference. */
PyDoc_STRVAR(joined_doc,
"joined(parts, separator) -> (items, starts)\n\n"
"The items of every part end to end, `separator` after each part, and where each part starts:\n"
"a document's token list for MatcherGroup.find (sentences' norms, a sentinel between them).");

static PyObject *matcher_joined(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *given, *separator, *parts = NULL, *items = NULL, *starts = NULL, *out = NULL;
    Py_ssize_t n_parts, total = 0, i, j, at = 0;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "joined() takes parts, separator");
        return NULL;
    }
    separator = args[1];
    given = PySequence_Tuple(args[0]);
    if (!given)
        return NULL;
    n_parts = PyTuple_GET_SIZE(given);
    /* every part as a list or tuple, held here: no Python code runs while they are copied */
    parts = PyTuple_New(n_parts);
    if (!parts)
        goto done;
    for (i = 0; i < n_parts; i++) {
        PyObject *part = PySequence_Fast(PyTuple_GET_ITEM(given, i), "joined(): each part must be a sequence");
        if (!part)
            goto done;
        PyTuple_SET_ITEM(parts, i, part);
        total += PySequence_Fast_GET_SIZE(part) + 1;
    }
    items = PyList_New(total);
    starts = PyList_New(n_parts);
    if (!items || !starts)
        goto done;
    for (i = 0; i < n_parts; i++) {
        PyObject *part = PyTuple_GET_ITEM(parts, i), **values = PySequence_Fast_ITEMS(part);
        Py_ssize_t n = PySequence_Fast_GET_SIZE(part);
        PyObject *start = PyLong_FromSsize_t(at);
        if (!start)
            goto done;
        PyList_SET_ITEM(starts, i, start);
        if (n + 1 > total - at) { /* the sizes were summed above: a bounds check all the same */
            PyErr_SetString(PyExc_RuntimeError, "joined(): a part changed size");
            goto done;
        }
        for (j = 0; j < n; j++) {
            Py_INCREF(values[j]);
            PyList_SET_ITEM(items, at++, values[j]);
        }
        Py_INCREF(separator);
        PyList_SET_ITEM(items, at++, separator);
    }
    out = PyTuple_Pack(2, items, starts);
done:
    Py_XDECREF(items);
    Py_XDECREF(starts);
    Py_XDECREF(parts);
    Py_DECREF(given);
    return out;
}

static PyMethodDef matcher_methods[] = {
    {"find", (PyCFunction)(void (*)(void))matcher_find, METH_FASTCALL, find_doc},
    {"find_group", (PyCFunction)(void (*)(void))matcher_find_group, METH_FASTCALL, find_group_doc},
    {"by_sentence", (PyCFunction)(void (*)(void))matcher_by_sentence, METH_FASTCALL, by_sentence_doc},
    {"joined", (PyCFunction)(void (*)(void))matcher_joined, METH_FASTCALL, joined_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef matcher_module = {
    PyModuleDef_HEAD_INIT, "framing._accel.matcher",
    "The lexicon phrase matcher's walk (framing.lexicon.matcher.PhraseMatcher.find), compiled.", -1, matcher_methods,
};

PyMODINIT_FUNC PyInit_matcher(void)
{
#define INTERN(var, text) if (!((var) = PyUnicode_InternFromString(text))) return NULL
    INTERN(s_exact, "exact");
    INTERN(s_prefix, "prefix");
    INTERN(s_prefix_lengths, "prefix_lengths");
    INTERN(s_payload, "payload");
    INTERN(s_payload_is_exact, "payload_is_exact");
#undef INTERN
    return PyModule_Create(&matcher_module);
}
