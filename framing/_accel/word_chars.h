/* \w as re's str patterns classify characters (Modules/_sre: SRE_UNI_IS_WORD is
 * Py_UNICODE_ISALNUM or '_'), ASCII decided here (Py_UNICODE_ISALNUM is four character-database
 * calls, and most text is ASCII): ngrams.c's lean tokens and cleanup.c's phrase boundaries.
 * Included by each C source (one extension module per source, so the functions are static to
 * each). */
#ifndef FRAMING_WORD_CHARS_H
#define FRAMING_WORD_CHARS_H

#include <Python.h>

static inline int is_ascii_letter(Py_UCS4 c)
{
    return (c | 32) >= 'a' && (c | 32) <= 'z';
}

static inline int is_word_char(Py_UCS4 c)
{
    if (c < 128)
        return is_ascii_letter(c) || (c >= '0' && c <= '9') || c == '_';
    return Py_UNICODE_ISALNUM(c);
}

#endif
