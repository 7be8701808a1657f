/* The lower-cased copy of an ASCII stretch of a str, as str.lower() gives it (A-Z only change):
 * tokens.c and punkt.c build norms with it without calling back into Python. Included by each
 * C source (one extension module per source, so the function is static to each). */
#ifndef FRAMING_ASCII_LOWER_H
#define FRAMING_ASCII_LOWER_H

#include <Python.h>

/* text[a:b].lower() for a stretch known to be ASCII; NULL with an exception set on failure. */
static PyObject *ascii_lower_of(int kind, const void *data, Py_ssize_t a, Py_ssize_t b)
{
    PyObject *s = PyUnicode_New(b - a, 127);
    Py_UCS1 *dst;
    Py_ssize_t i;
    if (!s)
        return NULL;
    dst = PyUnicode_1BYTE_DATA(s);
    for (i = a; i < b; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        dst[i - a] = (Py_UCS1)((c >= 'A' && c <= 'Z') ? c + 32 : c);
    }
    return s;
}

#endif
