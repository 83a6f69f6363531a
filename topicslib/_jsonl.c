/* JSON Lines records in compiled code, for `topicslib classify`'s JSON Lines in and out (see jsonio.py).
 *
 * records(lines, field) reads each line (bytes) as a flat JSON object and gives, for the lines it takes, the text of
 * `field` and the object's members written back as compact JSON, as the json module writes the object it reads
 * (json.dumps(obj, ensure_ascii=False, separators=(",", ":")), without the braces), so that the command can write the
 * record back by adding its own members, with neither a dict built nor the record encoded again in Python; lines()
 * writes those output lines.
 *
 * It takes only what it is sure of: an object of distinct keys whose values are strings, integers of at most 18
 * digits (not -0), true, false and null, in strict JSON (UTF-8, no control characters in strings, no lone
 * surrogates), with `field` a string. Any other line (blank, a nested value, a float, a duplicate key, a reserved
 * key, bad JSON, a byte order mark...) gets None, and the command reads it the way it reads every line without this
 * extension, which also reports any error there. Makes no call into Python but to build the results. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* Grow *buf (of *cap items of size item) to hold at least need items; -1 when out of memory. */
static int reserve(void **buf, size_t *cap, size_t need, size_t item)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 256;
    while (n < need)
        n *= 2;
    void *p = PyMem_Realloc(*buf, n * item);
    if (!p)
        return -1;
    *buf = p;
    *cap = n;
    return 0;
}

typedef struct {
    char *buf;
    size_t len, cap;
} Out;

static int out_reserve(Out *o, size_t more) { return reserve((void **)&o->buf, &o->cap, o->len + more, 1); }

#define NOT_TAKEN 1
#define FAILED (-1)

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

static int hex4(const char *p, const char *end, unsigned *v)
{
    if (end - p < 4)
        return -1;
    unsigned x = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        x <<= 4;
        if (c >= '0' && c <= '9')
            x |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            x |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            x |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *v = x;
    return 0;
}

/* One code point in UTF-8. */
static int put_utf8(Out *o, Py_UCS4 cp)
{
    if (out_reserve(o, 4) < 0)
        return FAILED;
    char *w = o->buf + o->len;
    if (cp < 0x80) {
        w[0] = (char)cp;
        o->len += 1;
    } else if (cp < 0x800) {
        w[0] = (char)(0xC0 | (cp >> 6));
        w[1] = (char)(0x80 | (cp & 0x3F));
        o->len += 2;
    } else if (cp < 0x10000) {
        w[0] = (char)(0xE0 | (cp >> 12));
        w[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        w[2] = (char)(0x80 | (cp & 0x3F));
        o->len += 3;
    } else {
        w[0] = (char)(0xF0 | (cp >> 18));
        w[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        w[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        w[3] = (char)(0x80 | (cp & 0x3F));
        o->len += 4;
    }
    return 0;
}

/* One code point written as the json module writes it in a string (ensure_ascii=False). */
static int put_cp(Out *o, Py_UCS4 cp)
{
    if (cp >= 0x20 && cp != '"' && cp != '\\')
        return put_utf8(o, cp);
    if (out_reserve(o, 6) < 0)
        return FAILED;
    char *w = o->buf + o->len;
    if (cp == '"' || cp == '\\') {
        w[0] = '\\';
        w[1] = (char)cp;
        o->len += 2;
    } else if (cp < 0x20) {
        static const char hexdigits[] = "0123456789abcdef";
        char short_form = cp == '\n' ? 'n' : cp == '\r' ? 'r' : cp == '\t' ? 't' : cp == '\b' ? 'b' : cp == '\f' ? 'f' : 0;
        if (short_form) {
            w[0] = '\\';
            w[1] = short_form;
            o->len += 2;
        } else {
            memcpy(w, "\\u00", 4);
            w[4] = hexdigits[cp >> 4];
            w[5] = hexdigits[cp & 15];
            o->len += 6;
        }
    }
    return 0;
}

/* The next code point of UTF-8 at *p (advanced past it), strictly (no overlong forms, no surrogates, at most
 * U+10FFFF); NOT_TAKEN for bytes that are no such code point. */
static int utf8_cp(const char **p, const char *end, Py_UCS4 *cp)
{
    const unsigned char *s = (const unsigned char *)*p;
    unsigned char c = s[0];
    int n;
    Py_UCS4 v, least;
    if (c < 0x80) {
        *cp = c;
        *p += 1;
        return 0;
    } else if (c >= 0xC2 && c <= 0xDF) {
        n = 1, v = c & 0x1F, least = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 2, v = c & 0x0F, least = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3, v = c & 0x07, least = 0x10000;
    } else {
        return NOT_TAKEN;
    }
    if ((const char *)s + n >= end)
        return NOT_TAKEN;
    for (int i = 1; i <= n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return NOT_TAKEN;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < least || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return NOT_TAKEN;
    *cp = v;
    *p += n + 1;
    return 0;
}

/* Whether any of the eight bytes of v ends a run of plain string bytes: one below 0x20 or from 0x80 up, a quote or a
 * backslash. Exact for "any" (the usual tests for a byte below n and for a zero byte, on all eight at once). */
static inline int ends_run(uint64_t v)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    const uint64_t quote = v ^ (ones * '"'), backslash = v ^ (ones * '\\');
    return ((v | ((v - ones * 0x20) & ~v) | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash)) & high) != 0;
}

/* A string whose opening quote is at *p: written to o as the json module writes it (quotes included), its code
 * points also appended to text in UTF-8 (unescaped) when text is given; *p is left past the closing quote. */
static int read_string(const char **p, const char *end, Out *o, Out *text)
{
    const char *s = *p + 1;
    if (out_reserve(o, 1) < 0)
        return FAILED;
    o->buf[o->len++] = '"';
    for (;;) {
        /* a run of printable ASCII but the quote and the backslash, as most of a text is: copied as it is; eight
         * bytes a step while none of them ends it */
        const char *run = s;
        while (end - s >= 8) {
            uint64_t v;
            memcpy(&v, s, 8);
            if (ends_run(v))
                break;
            s += 8;
        }
        while (s < end && (unsigned char)*s >= 0x20 && (unsigned char)*s < 0x80 && *s != '"' && *s != '\\')
            s++;
        if (s > run) {
            size_t n = (size_t)(s - run);
            if (out_reserve(o, n) < 0 || (text && out_reserve(text, n) < 0))
                return FAILED;
            memcpy(o->buf + o->len, run, n);
            o->len += n;
            if (text) {
                memcpy(text->buf + text->len, run, n);
                text->len += n;
            }
        }
        if (s >= end)
            return NOT_TAKEN;
        unsigned char c = (unsigned char)*s;
        Py_UCS4 cp;
        if (c == '"') {
            s++;
            break;
        }
        if (c < 0x20)
            return NOT_TAKEN; /* a raw control character: the json module refuses it */
        if (c == '\\') {
            if (s + 1 >= end)
                return NOT_TAKEN;
            char e = s[1];
            s += 2;
            switch (e) {
            case '"': cp = '"'; break;
            case '\\': cp = '\\'; break;
            case '/': cp = '/'; break;
            case 'b': cp = '\b'; break;
            case 'f': cp = '\f'; break;
            case 'n': cp = '\n'; break;
            case 'r': cp = '\r'; break;
            case 't': cp = '\t'; break;
            case 'u': {
                unsigned hi, lo;
                if (hex4(s, end, &hi) < 0)
                    return NOT_TAKEN;
                s += 4;
                if (hi >= 0xDC00 && hi <= 0xDFFF)
                    return NOT_TAKEN; /* a lone low surrogate */
                if (hi >= 0xD800 && hi <= 0xDBFF) {
                    if (end - s < 6 || s[0] != '\\' || s[1] != 'u' || hex4(s + 2, end, &lo) < 0 || lo < 0xDC00 ||
                        lo > 0xDFFF)
                        return NOT_TAKEN; /* a lone high surrogate */
                    s += 6;
                    cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                } else {
                    cp = hi;
                }
                break;
            }
            default:
                return NOT_TAKEN;
            }
        } else {
            int r = utf8_cp(&s, end, &cp);
            if (r)
                return r;
        }
        if (put_cp(o, cp) < 0 || (text && put_utf8(text, cp) < 0))
            return FAILED;
    }
    if (out_reserve(o, 1) < 0)
        return FAILED;
    o->buf[o->len++] = '"';
    *p = s;
    return 0;
}

/* An integer at *p, copied when the json module writes it back alike: -?(0|[1-9][0-9]*) of at most 18 digits, not
 * -0, and not the start of a float. */
static int read_integer(const char **p, const char *end, Out *o)
{
    const char *s = *p, *start = s;
    if (*s == '-')
        s++;
    const char *digits = s;
    while (s < end && *s >= '0' && *s <= '9')
        s++;
    size_t n = (size_t)(s - digits);
    if (n == 0 || n > 18 || (n > 1 && digits[0] == '0') || (digits[0] == '0' && digits != start))
        return NOT_TAKEN;
    if (s < end && (*s == '.' || *s == 'e' || *s == 'E'))
        return NOT_TAKEN;
    if (out_reserve(o, (size_t)(s - start)) < 0)
        return FAILED;
    memcpy(o->buf + o->len, start, (size_t)(s - start));
    o->len += (size_t)(s - start);
    *p = s;
    return 0;
}

static int read_word(const char **p, const char *end, Out *o, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(end - *p) < n || memcmp(*p, word, n) != 0)
        return NOT_TAKEN;
    if (out_reserve(o, n) < 0)
        return FAILED;
    memcpy(o->buf + o->len, word, n);
    o->len += n;
    *p += n;
    return 0;
}

/* Keys the command writes itself: a line holding one is left to the general path. */
static const char *const RESERVED[] = {"\"topics\"", "\"lang\"", "\"paragraph\"", "\"source\"", "\"line\"", NULL};

/* The line [p, end) read into o (its members, without the braces) and its field's text into text (UTF-8);
 * 0 when taken, NOT_TAKEN, or FAILED (out of memory). */
static int read_line(const char *p, const char *end, const char *field, size_t field_len, Out *o, Out *text,
                     size_t *keys, size_t keys_cap)
{
    size_t n_keys = 0;
    int found = 0;
    p = skip_ws(p, end);
    if (p >= end || *p != '{')
        return NOT_TAKEN;
    p = skip_ws(p + 1, end);
    if (p < end && *p == '}')
        return NOT_TAKEN; /* no field */
    for (;;) {
        if (p >= end || *p != '"')
            return NOT_TAKEN;
        if (n_keys)
            o->buf[o->len++] = ','; /* room was made by the last value's write */
        size_t key_start = o->len;
        int r = read_string(&p, end, o, NULL);
        if (r)
            return r;
        size_t key_len = o->len - key_start;
        for (const char *const *name = RESERVED; *name; name++)
            if (key_len == strlen(*name) && memcmp(o->buf + key_start, *name, key_len) == 0)
                return NOT_TAKEN;
        for (size_t k = 0; k < n_keys; k++) { /* a repeated key: the json module keeps the last value */
            size_t other = keys[2 * k], other_len = keys[2 * k + 1];
            if (other_len == key_len && memcmp(o->buf + other, o->buf + key_start, key_len) == 0)
                return NOT_TAKEN;
        }
        if (n_keys == keys_cap)
            return NOT_TAKEN; /* more keys than a record usually has: the general path */
        keys[2 * n_keys] = key_start;
        keys[2 * n_keys + 1] = key_len;
        n_keys++;
        int is_field = key_len == field_len + 2 && memcmp(o->buf + key_start + 1, field, field_len) == 0;
        p = skip_ws(p, end);
        if (p >= end || *p != ':')
            return NOT_TAKEN;
        p = skip_ws(p + 1, end);
        if (p >= end)
            return NOT_TAKEN;
        if (out_reserve(o, 1) < 0)
            return FAILED;
        o->buf[o->len++] = ':';
        if (is_field) {
            if (*p != '"')
                return NOT_TAKEN;
            found = 1;
            r = read_string(&p, end, o, text);
        } else if (*p == '"') {
            r = read_string(&p, end, o, NULL);
        } else if (*p == '-' || (*p >= '0' && *p <= '9')) {
            r = read_integer(&p, end, o);
        } else if (*p == 't') {
            r = read_word(&p, end, o, "true");
        } else if (*p == 'f') {
            r = read_word(&p, end, o, "false");
        } else if (*p == 'n') {
            r = read_word(&p, end, o, "null");
        } else {
            return NOT_TAKEN;
        }
        if (r)
            return r;
        if (out_reserve(o, 1) < 0)
            return FAILED;
        p = skip_ws(p, end);
        if (p < end && *p == ',') {
            p = skip_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == '}')
            break;
        return NOT_TAKEN;
    }
    p = skip_ws(p + 1, end);
    return p == end && found ? 0 : NOT_TAKEN;
}

#define MAX_KEYS 64

PyDoc_STRVAR(records_doc,
             "records(lines, field) -> list\n\n"
             "For each line (bytes) of JSON Lines: (text, members) where it is taken, text the str value of `field` and\n"
             "members the object's members as the json module writes them back (compact, non-ASCII as it is, no\n"
             "braces), as UTF-8 bytes; None for a line it leaves to the general reader (see the module's comment).");

static PyObject *records(PyObject *self, PyObject *args)
{
    PyObject *lines;
    const char *field;
    Py_ssize_t field_len;
    if (!PyArg_ParseTuple(args, "O!s#", &PyList_Type, &lines, &field, &field_len))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(lines);
    PyObject *result = PyList_New(n);
    if (!result)
        return NULL;
    Out o = {0};
    Out text = {0};
    size_t keys[2 * MAX_KEYS];
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *line = PyList_GET_ITEM(lines, i);
        if (!PyBytes_Check(line)) {
            PyErr_Format(PyExc_TypeError, "line %zd is %s, not bytes", i, Py_TYPE(line)->tp_name);
            goto fail;
        }
        const char *p = PyBytes_AS_STRING(line);
        o.len = text.len = 0;
        int r = read_line(p, p + PyBytes_GET_SIZE(line), field, (size_t)field_len, &o, &text, keys, MAX_KEYS);
        if (r == FAILED) {
            PyErr_NoMemory();
            goto fail;
        }
        PyObject *item;
        if (r == NOT_TAKEN) {
            item = Py_None;
            Py_INCREF(item);
        } else {
            /* valid UTF-8 (lone surrogates were not taken): decoded in one pass, plain ASCII at the speed of a copy */
            PyObject *value = PyUnicode_DecodeUTF8(text.buf ? text.buf : "", (Py_ssize_t)text.len, NULL);
            PyObject *members = value ? PyBytes_FromStringAndSize(o.buf, (Py_ssize_t)o.len) : NULL;
            item = members ? PyTuple_Pack(2, value, members) : NULL;
            Py_XDECREF(value);
            Py_XDECREF(members);
            if (!item)
                goto fail;
        }
        PyList_SET_ITEM(result, i, item);
    }
    PyMem_Free(o.buf);
    PyMem_Free(text.buf);
    return result;
fail:
    PyMem_Free(o.buf);
    PyMem_Free(text.buf);
    Py_DECREF(result);
    return NULL;
}

static int put_bytes(Out *o, const char *b, size_t n)
{
    if (out_reserve(o, n) < 0)
        return -1;
    memcpy(o->buf + o->len, b, n);
    o->len += n;
    return 0;
}

static int put_object(Out *o, PyObject *b, const char *what)
{
    if (!PyBytes_Check(b)) {
        PyErr_Format(PyExc_TypeError, "%s must be bytes, not %s", what, Py_TYPE(b)->tp_name);
        return -1;
    }
    if (put_bytes(o, PyBytes_AS_STRING(b), (size_t)PyBytes_GET_SIZE(b)) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* The bytes json_of holds for name (what was given in the list called what), written to o; -1 with an error set. */
static int put_named(Out *o, PyObject *json_of, PyObject *name, const char *what)
{
    PyObject *b = PyDict_GetItemWithError(json_of, name);
    if (!b) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_KeyError, "%s: json_of has no entry for %R", what, name);
        return -1;
    }
    return put_object(o, b, what);
}

/* The decimal digits of v written to the end of buf (at least 20 bytes); returns where they start. */
static char *decimal(char *end, unsigned long long v)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

/* float.__repr__ of x into buf (at least 32 bytes) where x is the double nearest a number of at most four decimals
 * from 0 to 10^9 (as printed scores are), without dtoa (about 2,300 instructions a score); its length, or 0 for any
 * other x (the caller asks not_finite, then PyOS_double_to_string). Such a repr is that number's decimals without
 * trailing zeros (one kept after the point): no shorter string gives x, as other numbers of four decimals lie 10^-4
 * apart, further than doubles of this size, and repr writes numbers from 10^-4 to 10^16 without an exponent. */
static int short_repr(double x, char *buf)
{
    if (!(x >= 0.0 && x < 1e9) || signbit(x))
        return 0;
    const double steps = rint(x * 10000.0);
    if (steps / 10000.0 != x)
        return 0;
    const unsigned long long k = (unsigned long long)steps;
    char digits[24];
    char *whole = decimal(digits + sizeof digits, k / 10000);
    size_t len = (size_t)(digits + sizeof digits - whole);
    memcpy(buf, whole, len);
    buf[len++] = '.';
    unsigned frac = (unsigned)(k % 10000);
    int places = 4;
    while (places > 1 && frac % 10 == 0) {
        frac /= 10;
        places--;
    }
    for (int p = places - 1; p >= 0; p--, frac /= 10)
        buf[len + (size_t)p] = (char)('0' + frac % 10);
    return (int)(len + (size_t)places);
}

/* A NaN or infinite x as the json module writes it (NaN, Infinity, -Infinity: float.__repr__ gives nan and inf,
 * which no JSON reader takes) into buf; its length, or 0 for a finite x. */
static int not_finite(double x, char *buf)
{
    const char *name = isnan(x) ? "NaN" : !isinf(x) ? NULL : x > 0 ? "Infinity" : "-Infinity";
    if (!name)
        return 0;
    const size_t len = strlen(name);
    memcpy(buf, name, len);
    return (int)len;
}

PyDoc_STRVAR(lines_doc,
             "lines(members, sources, line_numbers, langs, json_of, counts, topics, scores, entries) -> bytes\n\n"
             "Output lines of records read by records(): for record i, '{', members[i], ',\"source\":' and\n"
             "json_of[sources[i]] unless sources[i] is empty, ',\"line\":' and line_numbers[i] unless it is None,\n"
             "',\"lang\":' and json_of[langs[i]] (json_of: bytes of each name's JSON string),\n"
             "',\"topics\":[', then its counts[i] topics, each entries[topic] (bytes such as '{\"topic\":\"trade\",\"score\":')\n"
             "followed by the score as the json module writes it (its repr, or NaN, Infinity, -Infinity) and '}',\n"
             "and ']}' and a line break. topics and scores hold every record's topics one after another.");

static PyObject *lines(PyObject *self, PyObject *args)
{
    PyObject *members, *sources, *line_numbers, *langs, *json_of, *counts, *topics, *scores, *entries;
    if (!PyArg_ParseTuple(args, "O!O!O!O!O!O!O!O!O!", &PyList_Type, &members, &PyList_Type, &sources, &PyList_Type,
                          &line_numbers, &PyList_Type, &langs, &PyDict_Type, &json_of, &PyList_Type, &counts,
                          &PyList_Type, &topics, &PyList_Type, &scores, &PyList_Type, &entries))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(members), n_topics = PyList_GET_SIZE(topics);
    if (PyList_GET_SIZE(sources) != n || PyList_GET_SIZE(line_numbers) != n || PyList_GET_SIZE(langs) != n ||
        PyList_GET_SIZE(counts) != n || PyList_GET_SIZE(scores) != n_topics) {
        PyErr_SetString(PyExc_ValueError, "lines: the lists' lengths do not match");
        return NULL;
    }
    Out o = {0};
    Py_ssize_t k = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (put_bytes(&o, "{", 1) < 0)
            goto no_memory;
        if (put_object(&o, PyList_GET_ITEM(members, i), "members") < 0)
            goto fail;
        PyObject *source = PyList_GET_ITEM(sources, i), *line = PyList_GET_ITEM(line_numbers, i);
        int named = PyObject_IsTrue(source); /* no source member for '' (nor None) */
        if (named < 0)
            goto fail;
        if (named) {
            if (put_bytes(&o, ",\"source\":", 10) < 0)
                goto no_memory;
            if (put_named(&o, json_of, source, "sources") < 0)
                goto fail;
        }
        if (line != Py_None) {
            long long number = PyLong_AsLongLong(line);
            if (number == -1 && PyErr_Occurred())
                goto fail;
            char digits[32];
            char *start = decimal(digits + sizeof digits, number < 0 ? 0ULL - (unsigned long long)number
                                                                     : (unsigned long long)number);
            if (number < 0)
                *--start = '-';
            if (put_bytes(&o, ",\"line\":", 8) < 0 || put_bytes(&o, start, (size_t)(digits + sizeof digits - start)) < 0)
                goto no_memory;
        }
        if (put_bytes(&o, ",\"lang\":", 8) < 0)
            goto no_memory;
        if (put_named(&o, json_of, PyList_GET_ITEM(langs, i), "langs") < 0)
            goto fail;
        if (put_bytes(&o, ",\"topics\":[", 11) < 0)
            goto no_memory;
        Py_ssize_t count = PyLong_AsSsize_t(PyList_GET_ITEM(counts, i));
        if (count < 0 || k + count > n_topics) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "lines: counts exceed the topics given");
            goto fail;
        }
        for (Py_ssize_t j = 0; j < count; j++, k++) {
            Py_ssize_t t = PyLong_AsSsize_t(PyList_GET_ITEM(topics, k));
            if (t < 0 || t >= PyList_GET_SIZE(entries)) {
                if (!PyErr_Occurred())
                    PyErr_SetString(PyExc_ValueError, "lines: a topic has no entry");
                goto fail;
            }
            double x = PyFloat_AsDouble(PyList_GET_ITEM(scores, k));
            if (x == -1.0 && PyErr_Occurred())
                goto fail;
            char short_digits[32];
            int short_len = short_repr(x, short_digits);
            if (!short_len)
                short_len = not_finite(x, short_digits);
            char *digits = short_len ? short_digits : PyOS_double_to_string(x, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
            if (!digits)
                goto fail;
            int r = (j && put_bytes(&o, ",", 1) < 0) || put_object(&o, PyList_GET_ITEM(entries, t), "entries") < 0 ||
                    put_bytes(&o, digits, short_len ? (size_t)short_len : strlen(digits)) < 0 ||
                    put_bytes(&o, "}", 1) < 0;
            if (!short_len)
                PyMem_Free(digits); /* float.__repr__ */
            if (r) {
                if (!PyErr_Occurred())
                    PyErr_NoMemory();
                goto fail;
            }
        }
        if (put_bytes(&o, "]}\n", 3) < 0)
            goto no_memory;
    }
    if (k != n_topics) {
        PyErr_SetString(PyExc_ValueError, "lines: more topics given than counted");
        goto fail;
    }
    PyObject *result = PyBytes_FromStringAndSize(o.buf ? o.buf : "", (Py_ssize_t)o.len);
    PyMem_Free(o.buf);
    return result;
no_memory:
    PyErr_NoMemory();
fail:
    PyMem_Free(o.buf);
    return NULL;
}

static PyMethodDef methods[] = {
    {"records", records, METH_VARARGS, records_doc},
    {"lines", lines, METH_VARARGS, lines_doc},
    {NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_jsonl", "JSON Lines records in compiled code.", -1, methods};

PyMODINIT_FUNC PyInit__jsonl(void) { return PyModule_Create(&module); }
