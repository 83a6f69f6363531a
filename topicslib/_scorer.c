/* The compiled scoring path of topicslib: tokens, feature counts and topic scores of texts.
 *
 * It computes what topicslib/features.py and TopicModel._analyse compute in numpy (see there for
 * the features themselves), one text at a time, in C: normalization through str.lower and
 * unicodedata's NFKD exactly as features.normalize does, the same tokens as the regex \w\w+, word
 * n-grams by walking a trie of the vocabulary's n-grams, and each distinct word's subword share of
 * every topic worked out the first time the word is seen.
 *
 * Thread safety: every stretch of code that touches the shared tables makes no call into Python,
 * so the GIL makes it atomic. Python calls (lower, NFKD, building results) touch only the calling
 * thread's own scratch space. Words outside the vocabulary are kept in a bounded table that is
 * emptied only while no other call is in progress, so an entry's number stays valid for as long
 * as any call may hold it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <stdint.h>
#include <string.h>

typedef uint32_t cp_t;

static PyObject *nfkd_normalize; /* unicodedata.normalize */
static PyObject *combining;      /* unicodedata.combining */
static PyObject *str_NFKD;

/* ---- small helpers ----------------------------------------------------------------------- */

static inline uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

/* A key's hash: FNV-1a over its code points, then its length mixed in. In steps, so the tokenizer can hash a
 * token as it reads it instead of reading it again. */
#define HASH_START 1469598103934665603ULL

static inline uint64_t hash_step(uint64_t h, cp_t c) { return (h ^ c) * 1099511628211ULL; }

static inline uint64_t hash_end(uint64_t h, size_t n) { return mix64(h ^ n); }

static inline uint64_t hash_cps(const cp_t *s, size_t n)
{
    uint64_t h = HASH_START;
    for (size_t i = 0; i < n; i++)
        h = hash_step(h, s[i]);
    return hash_end(h, n);
}

/* Grow *buf (of *cap items of size item) to hold at least need items. */
static int reserve(void **buf, size_t *cap, size_t need, size_t item)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *p = PyMem_Realloc(*buf, n * item);
    if (!p) {
        PyErr_NoMemory();
        return -1;
    }
    *buf = p;
    *cap = n;
    return 0;
}

#define RESERVE(buf, cap, need) reserve((void **)&(buf), &(cap), (need), sizeof(*(buf)))

/* Word characters as the regex module's \w sees them in a str pattern. */
static inline int is_word(Py_UCS4 c)
{
    if (c < 128)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    return Py_UNICODE_ISALNUM(c);
}

/* What features.normalize deletes (features.DROPPED): combining diacritics after NFKD, and invisible format
 * characters (soft hyphen, zero-width joiners, direction marks, word joiner, byte-order mark); no part of a word,
 * no break in one. */
static inline int is_dropped(Py_UCS4 c)
{
    if (c < 0xAD)
        return 0;
    return c == 0xAD || (c >= 0x300 && c <= 0x36F) || (c >= 0x200C && c <= 0x200F) || (c >= 0x202A && c <= 0x202E) ||
           (c >= 0x2060 && c <= 0x2064) || (c >= 0x2066 && c <= 0x206F) || c == 0xFEFF;
}

/* Rows of weights read in turn from a large model miss the cache: each is asked for this many rows
 * ahead, so the memory fetches overlap instead of waiting one by one. */
#define ROWS_AHEAD 8

static inline void fetch_row(const void *row, size_t bytes)
{
    const char *c = (const char *)row;
    for (size_t o = 0; o < bytes; o += 64)
        __builtin_prefetch(c + o);
    __builtin_prefetch(c + bytes - 1);
}

/* ---- keyed tables: open addressing ----------------------------------------------------------
 * A slot holds the top 32 bits of its key's hash (a tag) and the entry number + 1 (0: empty), so a
 * probe reads an entry only when the tags agree. */

typedef struct {
    uint64_t hash;
    uint32_t off; /* key: len code points at off in the table's pool */
    uint32_t len;
} Key;

typedef struct {
    uint64_t *slots;
    size_t mask;
    size_t used;
} Table;

#define TAG(h) ((h) >> 32)

static inline int32_t slot_entry(uint64_t v) { return (int32_t)(uint32_t)v - 1; }

static int table_init(Table *t, size_t want)
{
    size_t n = 16;
    while (n < 2 * want)
        n *= 2;
    t->slots = PyMem_Calloc(n, sizeof(uint64_t));
    if (!t->slots) {
        PyErr_NoMemory();
        return -1;
    }
    t->mask = n - 1;
    t->used = 0;
    return 0;
}

static inline const Key *key_of(const Key *keys, size_t stride, int32_t e)
{
    return (const Key *)((const char *)keys + (size_t)e * stride);
}

/* Whether a and b hold the same n code points. Keys are words of a few code points whose full hashes already
 * agree: a loop of our own costs less than a call into the library's memcmp. */
static inline int same_cps(const cp_t *a, const cp_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

/* The slot of key (hash, s, n) in t: an entry whose key matches, or the empty slot where it goes. */
static inline size_t table_slot(const Table *t, const Key *keys, size_t stride, const cp_t *pool, uint64_t hash,
                                const cp_t *s, size_t n)
{
    size_t i = (size_t)hash & t->mask;
    for (;;) {
        uint64_t v = t->slots[i];
        if (!v)
            return i;
        if (TAG(v) == TAG(hash)) {
            const Key *k = key_of(keys, stride, slot_entry(v));
            if (k->hash == hash && k->len == n && same_cps(pool + k->off, s, n))
                return i;
        }
        i = (i + 1) & t->mask;
    }
}

/* Put entry e (whose key is keys[e]) in t, growing t to stay at most half full. */
static int table_add(Table *t, const Key *keys, size_t stride, int32_t e)
{
    if (2 * (t->used + 1) > t->mask + 1) {
        Table bigger;
        if (table_init(&bigger, t->mask + 1) < 0)
            return -1;
        for (size_t i = 0; i <= t->mask; i++) {
            uint64_t v = t->slots[i];
            if (!v)
                continue;
            size_t j = (size_t)key_of(keys, stride, slot_entry(v))->hash & bigger.mask;
            while (bigger.slots[j])
                j = (j + 1) & bigger.mask;
            bigger.slots[j] = v;
        }
        bigger.used = t->used;
        PyMem_Free(t->slots);
        *t = bigger;
    }
    uint64_t hash = key_of(keys, stride, e)->hash;
    size_t i = (size_t)hash & t->mask;
    while (t->slots[i])
        i = (i + 1) & t->mask;
    t->slots[i] = (TAG(hash) << 32) | (uint32_t)(e + 1);
    t->used++;
    return 0;
}

/* ---- the scorer ---------------------------------------------------------------------------- */

typedef struct {
    Key key;
    double idf;      /* its weight in the subword block: its word feature's idf, or unknown_idf */
    int32_t unigram; /* word-feature column, -1: the word is no feature */
    int32_t gid;     /* trie node of the word alone, -1: the word starts no n-gram feature's path */
    int8_t scored;   /* its subword scores are worked out */
    int8_t has;      /* it has a known character n-gram */
} Word;

typedef struct {
    Key key;
    int32_t col;
} Gram;

typedef struct {
    uint64_t key; /* TRIE_EMPTY: free */
    int32_t node, col;
} TrieSlot;

/* A growing run of code points. */
typedef struct {
    cp_t *buf;
    size_t len, cap;
} Cps;

typedef struct {
    uint32_t off, len; /* code points in Scratch.tok */
    uint64_t hash;
    /* its word entry, once looked up; before that, what its first vocabulary slot says (fetch_entries): the
     * entry the slot's tag names, FIRST_EMPTY or FIRST_OTHER */
    int32_t entry;
    size_t pair_home; /* the trie home of (previous word, this word), worked out when it is fetched */
} Tok;

#define FIRST_EMPTY (-1) /* the first slot is empty: the token is no vocabulary word */
#define FIRST_OTHER (-2) /* the first slot holds a word of another tag: the probe goes on from there */

/* One call's working space: counts of the current text, kept zero between texts. */
typedef struct Scratch {
    struct Scratch *next;
    int32_t *wcount; /* per word entry */
    size_t wcap;
    int32_t *fcount; /* per word feature */
    int32_t *words;  /* distinct words of the text, in order of first appearance */
    size_t nwords, words_cap;
    int32_t *feats; /* distinct word features of the text, in order of first appearance */
    size_t nfeats, feats_cap;
    double *vals;
    size_t vals_cap;
    Cps tok;   /* the code points of the tokens being read */
    Tok *toks; /* those tokens, to be counted */
    size_t ntoks, toks_cap;
    int32_t *act; /* act[n]: trie node of the n words up to the last token, -1 none */
    double *acc;  /* 2 * k */
    cp_t *pad;    /* a word padded with spaces, and its character n-gram features with their counts */
    size_t pad_cap;
    int32_t *gcols, *gcounts;
    size_t gcols_cap, gcounts_cap;
} Scratch;

typedef struct {
    PyObject_HEAD
    Py_ssize_t k, n_word, n_feat;
    Py_buffer idf_buf, coef_buf, intercept_buf;
    const double *idf;       /* n_feat */
    const float *coef;       /* n_feat x k */
    const double *intercept; /* k */
    double unknown_idf;
    double norm_offset; /* added to each block's squared norm (features.py: TextFeatures.norm_offset) */
    int word_lo, word_hi, char_lo, char_hi; /* char_lo == 0: no subword block */
    int multi_label;
    Py_ssize_t max_char_word, cache_limit, pool_limit, piece;
    /* words: entries [0, n_perm) are the vocabulary's, the rest a bounded cache of other words */
    Word *words;
    size_t n_words, words_cap, n_perm;
    double *scores; /* words_cap x k: each word's subword share of each topic's log-odds */
    cp_t *wpool;
    size_t wpool_len, wpool_cap, wpool_perm;
    Table perm, temp;
    /* character n-gram features */
    Gram *grams;
    size_t n_grams, grams_cap;
    cp_t *gpool;
    size_t gpool_len, gpool_cap;
    Table gtab;
    /* word n-gram trie: (parent node, word gid) -> (node, feature column or -1) */
    TrieSlot *trie;
    size_t tmask, tused;
    int32_t n_nodes;
    Scratch *spare;
    int busy; /* calls in progress */
} Scorer;

#define TRIE_EMPTY UINT64_MAX

static int trie_init(Scorer *s, size_t want)
{
    size_t n = 16;
    while (n < 2 * want)
        n *= 2;
    s->trie = PyMem_Malloc(n * sizeof(TrieSlot));
    if (!s->trie) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        s->trie[i].key = TRIE_EMPTY;
    s->tmask = n - 1;
    s->tused = 0;
    return 0;
}

/* The slot where key's probe starts. */
static inline size_t trie_home(const Scorer *s, uint64_t key) { return (size_t)mix64(key) & s->tmask; }

/* The slot of key, probing from slot i (its home). */
static inline const TrieSlot *trie_find_from(const Scorer *s, uint64_t key, size_t i)
{
    while (s->trie[i].key != key && s->trie[i].key != TRIE_EMPTY)
        i = (i + 1) & s->tmask;
    return &s->trie[i];
}

static inline const TrieSlot *trie_find(const Scorer *s, uint64_t key) { return trie_find_from(s, key, trie_home(s, key)); }

static inline uint64_t trie_key(int32_t parent, int32_t gid) { return ((uint64_t)(uint32_t)parent << 32) | (uint32_t)gid; }

/* The child of node parent by word gid, made when absent. The trie is sized for all at init. */
static TrieSlot *trie_child(Scorer *s, int32_t parent, int32_t gid)
{
    uint64_t key = trie_key(parent, gid);
    TrieSlot *t = (TrieSlot *)trie_find(s, key);
    if (t->key == TRIE_EMPTY) {
        t->key = key;
        t->node = s->n_nodes++;
        t->col = -1;
        s->tused++;
    }
    return t;
}

/* The entry number of word (s, n), or -1. */
static inline int32_t word_find(const Scorer *sc, const Table *t, uint64_t h, const cp_t *s, size_t n)
{
    size_t i = table_slot(t, &sc->words[0].key, sizeof(Word), sc->wpool, h, s, n);
    return slot_entry(t->slots[i]);
}

/* A new word entry for (s, n), in the vocabulary's table (perm) or the cache's. */
static int32_t word_add(Scorer *sc, Table *t, uint64_t h, const cp_t *s, size_t n)
{
    if (sc->n_words >= INT32_MAX - 1 || sc->wpool_len + n >= UINT32_MAX) {
        PyErr_SetString(PyExc_MemoryError, "too many distinct words");
        return -1;
    }
    size_t old_cap = sc->words_cap;
    if (RESERVE(sc->words, sc->words_cap, sc->n_words + 1) < 0 ||
        RESERVE(sc->wpool, sc->wpool_cap, sc->wpool_len + n) < 0)
        return -1;
    if (sc->words_cap != old_cap) {
        double *p = PyMem_Realloc(sc->scores, sc->words_cap * (size_t)sc->k * sizeof(double));
        if (!p) {
            PyErr_NoMemory();
            return -1;
        }
        sc->scores = p;
    }
    int32_t e = (int32_t)sc->n_words;
    Word *w = &sc->words[e];
    w->key.hash = h;
    w->key.off = (uint32_t)sc->wpool_len;
    w->key.len = (uint32_t)n;
    w->idf = sc->unknown_idf;
    w->unigram = -1;
    w->gid = -1;
    w->scored = 0;
    w->has = 0;
    memcpy(sc->wpool + sc->wpool_len, s, n * sizeof(cp_t));
    if (table_add(t, &sc->words[0].key, sizeof(Word), e) < 0)
        return -1;
    sc->wpool_len += n;
    sc->n_words++;
    return e;
}

static void clear_cache(Scorer *s)
{
    if (s->n_words == s->n_perm)
        return;
    s->n_words = s->n_perm;
    s->wpool_len = s->wpool_perm;
    /* a huge text's words would otherwise keep their memory: give back what is far beyond the limits */
    if (s->wpool_cap > s->wpool_perm + 2 * (size_t)s->pool_limit) {
        cp_t *p = PyMem_Realloc(s->wpool, (s->wpool_perm + 1024) * sizeof(cp_t));
        if (p) {
            s->wpool = p;
            s->wpool_cap = s->wpool_perm + 1024;
        }
    }
    if (s->words_cap > 2 * (s->n_perm + (size_t)s->cache_limit) + 1024) {
        size_t cap = s->n_perm + 1024;
        Word *w = PyMem_Realloc(s->words, cap * sizeof(Word));
        if (w)
            s->words = w;
        double *sc = w ? PyMem_Realloc(s->scores, cap * (size_t)s->k * sizeof(double)) : NULL;
        if (sc) {
            s->scores = sc;
            s->words_cap = cap;
        }
    }
    Table fresh;
    if (table_init(&fresh, 1024) == 0) {
        PyMem_Free(s->temp.slots);
        s->temp = fresh;
    } else { /* keep the old, larger table, emptied */
        PyErr_Clear();
        memset(s->temp.slots, 0, (s->temp.mask + 1) * sizeof(uint64_t));
        s->temp.used = 0;
    }
}

/* ---- scratch space -------------------------------------------------------------------------- */

static void scratch_free(Scratch *sc)
{
    if (!sc)
        return;
    PyMem_Free(sc->wcount);
    PyMem_Free(sc->fcount);
    PyMem_Free(sc->words);
    PyMem_Free(sc->feats);
    PyMem_Free(sc->vals);
    PyMem_Free(sc->tok.buf);
    PyMem_Free(sc->toks);
    PyMem_Free(sc->act);
    PyMem_Free(sc->acc);
    PyMem_Free(sc->pad);
    PyMem_Free(sc->gcols);
    PyMem_Free(sc->gcounts);
    PyMem_Free(sc);
}

static Scratch *scratch_take(Scorer *s)
{
    Scratch *sc = s->spare;
    if (sc) {
        s->spare = sc->next;
        return sc;
    }
    sc = PyMem_Calloc(1, sizeof(Scratch));
    if (!sc)
        return (Scratch *)PyErr_NoMemory();
    sc->fcount = PyMem_Calloc(s->n_word ? s->n_word : 1, sizeof(int32_t));
    sc->act = PyMem_Malloc((s->word_hi + 1) * sizeof(int32_t));
    sc->acc = PyMem_Malloc(2 * s->k * sizeof(double));
    if (!sc->fcount || !sc->act || !sc->acc) {
        scratch_free(sc);
        return (Scratch *)PyErr_NoMemory();
    }
    return sc;
}

/* Zero the counts of the text being read (after it is scored, or when reading it failed). */
static void scratch_clear(Scratch *sc)
{
    for (size_t i = 0; i < sc->nwords; i++)
        sc->wcount[sc->words[i]] = 0;
    for (size_t i = 0; i < sc->nfeats; i++)
        sc->fcount[sc->feats[i]] = 0;
    sc->nwords = sc->nfeats = sc->tok.len = sc->ntoks = 0;
}

/* Buffers grown past this many items by one huge text are given back, not kept for the next. */
#define KEEP_ITEMS (1 << 16)
#define TRIM(buf, cap, keep)           \
    if ((cap) > (keep)) {              \
        PyMem_Free(buf);               \
        (buf) = NULL;                  \
        (cap) = 0;                     \
    }

static void scratch_give(Scorer *s, Scratch *sc)
{
    scratch_clear(sc);
    TRIM(sc->wcount, sc->wcap, s->words_cap + KEEP_ITEMS);
    TRIM(sc->words, sc->words_cap, KEEP_ITEMS);
    TRIM(sc->feats, sc->feats_cap, KEEP_ITEMS);
    TRIM(sc->vals, sc->vals_cap, KEEP_ITEMS);
    TRIM(sc->tok.buf, sc->tok.cap, KEEP_ITEMS);
    sc->next = s->spare;
    s->spare = sc;
}

static inline int count_feature(Scorer *s, Scratch *sc, int32_t col)
{
    if (sc->fcount[col]++ == 0) {
        __builtin_prefetch(&s->idf[col]); /* read when the text is scored */
        if (RESERVE(sc->feats, sc->feats_cap, sc->nfeats + 1) < 0) {
            sc->fcount[col]--;
            return -1;
        }
        sc->feats[sc->nfeats++] = col;
    }
    return 0;
}

/* ---- reading a text ---------------------------------------------------------------------- */

static void start_text(Scorer *s, Scratch *sc)
{
    for (int n = 0; n <= s->word_hi; n++)
        sc->act[n] = -1;
}

/* The word entry of token t (its code points in cps), made in the cache when new; -1 on failure. The slot its
 * hash names first was read by fetch_entries: most tokens are settled by that slot's word alone. */
static int32_t token_entry(Scorer *s, const Tok *t, const cp_t *cps)
{
    int32_t e = t->entry;
    if (e >= 0) {
        const Key *k = &s->words[e].key;
        if (k->hash == t->hash && k->len == t->len && same_cps(s->wpool + k->off, cps, t->len))
            return e;
    }
    e = e == FIRST_EMPTY ? -1 : word_find(s, &s->perm, t->hash, cps, t->len);
    if (e < 0) {
        e = word_find(s, &s->temp, t->hash, cps, t->len);
        if (e < 0)
            e = word_add(s, &s->temp, t->hash, cps, t->len);
    }
    return e;
}

/* One token, looked up: count the word, its word feature and the n-gram features it ends. */
static int add_token(Scorer *s, Scratch *sc, const Tok *tok)
{
    int32_t e = tok->entry;
    if ((size_t)e >= sc->wcap) {
        size_t old = sc->wcap;
        if (RESERVE(sc->wcount, sc->wcap, (size_t)e + 1) < 0)
            return -1;
        memset(sc->wcount + old, 0, (sc->wcap - old) * sizeof(int32_t));
    }
    if (sc->wcount[e] == 0) {
        if (RESERVE(sc->words, sc->words_cap, sc->nwords + 1) < 0)
            return -1;
        sc->words[sc->nwords++] = e;
    }
    sc->wcount[e]++;
    const Word *w = &s->words[e];
    if (s->word_lo == 1 && w->unigram >= 0 && count_feature(s, sc, w->unigram) < 0)
        return -1;
    int32_t g = w->gid;
    for (int len = s->word_hi; len >= 2; len--) {
        int32_t parent = sc->act[len - 1], node = -1;
        if (parent >= 0 && g >= 0) {
            uint64_t key = trie_key(parent, g);
            const TrieSlot *t = len == 2 ? trie_find_from(s, key, tok->pair_home) : trie_find(s, key);
            if (t->key != TRIE_EMPTY) {
                node = t->node;
                if (t->col >= 0 && len >= s->word_lo && count_feature(s, sc, t->col) < 0)
                    return -1;
            }
        }
        sc->act[len] = node;
    }
    sc->act[1] = g;
    return 0;
}

/* The tokens read so far are counted in runs of this many: reading a run first lets the memory
 * holding each token's table slot be fetched while the others are read. */
#define TOKEN_RUN 128

/* Ask for the memory each token's look-up will read, a stage at a time over the run, so that the misses of one
 * stage overlap instead of each waiting on the last: the word entry its first slot's tag names (the slot itself
 * was asked for as the token was read), then that word's code points, which the look-up compares. A token whose
 * first vocabulary slot is empty is no vocabulary word: its slot in the cache of other words is asked for. What the
 * first slot says is kept in the token, so that its look-up does not read the slot again. */
static void fetch_entries(const Scorer *s, Scratch *sc)
{
    for (size_t i = 0; i < sc->ntoks; i++) {
        Tok *t = &sc->toks[i];
        uint64_t v = s->perm.slots[t->hash & s->perm.mask];
        if (!v) {
            t->entry = FIRST_EMPTY;
            __builtin_prefetch(&s->temp.slots[t->hash & s->temp.mask]);
        } else if (TAG(v) == TAG(t->hash)) {
            t->entry = slot_entry(v);
            fetch_row(&s->words[t->entry], sizeof(Word));
        } else
            t->entry = FIRST_OTHER;
    }
    for (size_t i = 0; i < sc->ntoks; i++) {
        const Tok *t = &sc->toks[i];
        if (t->entry >= 0)
            fetch_row(s->wpool + s->words[t->entry].key.off, t->len * sizeof(cp_t));
    }
}

static int count_tokens(Scorer *s, Scratch *sc)
{
    fetch_entries(s, sc);
    for (size_t i = 0; i < sc->ntoks; i++) {
        Tok *t = &sc->toks[i];
        if ((t->entry = token_entry(s, t, sc->tok.buf + t->off)) < 0)
            return -1;
    }
    /* the trie slot of each word pair, known now that the words are, fetched before it is read; add_token probes
     * from it */
    if (s->word_hi >= 2) {
        int32_t prev = sc->act[1];
        for (size_t i = 0; i < sc->ntoks; i++) {
            Tok *t = &sc->toks[i];
            int32_t g = s->words[t->entry].gid;
            if (prev >= 0 && g >= 0) {
                t->pair_home = trie_home(s, trie_key(prev, g));
                __builtin_prefetch(&s->trie[t->pair_home]);
            }
            prev = g;
        }
    }
    for (size_t i = 0; i < sc->ntoks; i++)
        if (add_token(s, sc, &sc->toks[i]) < 0)
            return -1;
    sc->ntoks = sc->tok.len = 0;
    return 0;
}

/* Called where a run of word characters ends, the run being cps->buf[start..cps->len) and h its hash so far
 * (hash_step over its code points; hash_end makes it the key's hash); it may shorten cps->len (to drop the run,
 * or after using up every run read so far). */
typedef int (*RunEnd)(void *ctx, Cps *cps, size_t start, uint64_t h);

/* ASCII characters as a token holds them: ascii_word[lower][c] is c, lower-cased when lower, or 0 for a character
 * that is no word character. ASCII is most of every text: one look-up instead of is_word's tests. */
static cp_t ascii_word[2][128];

static void ascii_word_init(void)
{
    for (cp_t c = 0; c < 128; c++) {
        ascii_word[0][c] = is_word(c) ? c : 0;
        ascii_word[1][c] = c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : ascii_word[0][c];
    }
}

/* The runs of word characters of a normalized string's n code points, appended to cps: the tokenizer of both
 * tokenize() and the scorer. lower: lower-case ASCII letters on the way (an ASCII text is not passed through
 * str.lower). One function per kind of string, so the loop reads its code points without asking their width. */
#define DEFINE_SCAN_WORDS(NAME, TYPE)                                                                      \
    static int NAME(const TYPE *data, Py_ssize_t n, int lower, Cps *cps, RunEnd end, void *ctx)            \
    {                                                                                                      \
        /* runs only shorten what cps holds: room for every code point, once */                            \
        if (RESERVE(cps->buf, cps->cap, cps->len + (size_t)n) < 0)                                         \
            return -1;                                                                                     \
        const cp_t *ascii = ascii_word[lower != 0];                                                        \
        size_t start = cps->len;                                                                           \
        uint64_t h = HASH_START;                                                                           \
        for (Py_ssize_t i = 0; i < n; i++) {                                                               \
            cp_t c = data[i];                                                                              \
            if (c < 128 ? (c = ascii[c]) != 0 : is_word(c)) {                                              \
                cps->buf[cps->len++] = c;                                                                  \
                h = hash_step(h, c);                                                                       \
                continue;                                                                                  \
            }                                                                                              \
            if (is_dropped(c) || cps->len == start)                                                        \
                continue;                                                                                  \
            if (end(ctx, cps, start, h) < 0)                                                               \
                return -1;                                                                                 \
            start = cps->len;                                                                              \
            h = HASH_START;                                                                                \
        }                                                                                                  \
        return cps->len > start ? end(ctx, cps, start, h) : 0;                                             \
    }

DEFINE_SCAN_WORDS(scan_words1, Py_UCS1)
DEFINE_SCAN_WORDS(scan_words2, Py_UCS2)
DEFINE_SCAN_WORDS(scan_words4, Py_UCS4)

static int scan_words(PyObject *str, int lower, Cps *cps, RunEnd end, void *ctx)
{
    const void *data = PyUnicode_DATA(str);
    Py_ssize_t n = PyUnicode_GET_LENGTH(str);
    switch (PyUnicode_KIND(str)) {
    case PyUnicode_1BYTE_KIND:
        return scan_words1(data, n, lower, cps, end, ctx);
    case PyUnicode_2BYTE_KIND:
        return scan_words2(data, n, lower, cps, end, ctx);
    default:
        return scan_words4(data, n, lower, cps, end, ctx);
    }
}

typedef struct {
    Scorer *s;
    Scratch *sc;
} Reading;

/* A run ends: a token if it has two or more characters, its table slot fetched while others are read. */
static int end_token(void *ctx, Cps *cps, size_t start, uint64_t run_hash)
{
    Scorer *s = ((Reading *)ctx)->s;
    Scratch *sc = ((Reading *)ctx)->sc;
    size_t len = cps->len - start;
    if (len < 2) {
        cps->len = start;
        return 0;
    }
    if (RESERVE(sc->toks, sc->toks_cap, sc->ntoks + 1) < 0)
        return -1;
    uint64_t h = hash_end(run_hash, len);
    __builtin_prefetch(&s->perm.slots[h & s->perm.mask]);
    sc->toks[sc->ntoks++] = (Tok){(uint32_t)start, (uint32_t)len, h};
    return sc->ntoks == TOKEN_RUN ? count_tokens(s, sc) : 0;
}

static int read_tokens(Scorer *s, Scratch *sc, PyObject *str, int lower)
{
    Reading ctx = {s, sc};
    sc->tok.len = 0;
    if (scan_words(str, lower, &sc->tok, end_token, &ctx) < 0)
        return -1;
    return count_tokens(s, sc);
}

/* Characters of the Basic Multilingual Plane that normalization leaves alone: lower-case or caseless,
 * without a compatibility decomposition, and no combining mark. A text of such characters and ASCII
 * normalizes to itself with its ASCII letters lower-cased, so it skips str.lower and NFKD. Learned
 * per character on first sight, through the same Python functions normalization calls. */
static uint8_t plain_seen[0x10000 / 8], plain_bits[0x10000 / 8];

static int is_plain(Py_UCS4 c)
{
    if (c >= 0x10000 || (c >= 0xD800 && c <= 0xDFFF) || is_dropped(c))
        return 0;
    if (plain_seen[c >> 3] & (1 << (c & 7)))
        return (plain_bits[c >> 3] >> (c & 7)) & 1;
    PyObject *ch = PyUnicode_FromOrdinal((int)c), *low = NULL, *nf = NULL, *cc = NULL;
    int plain = -1;
    if (ch && (low = PyObject_CallMethod(ch, "lower", NULL)) &&
        (nf = PyObject_CallFunctionObjArgs(nfkd_normalize, str_NFKD, ch, NULL)) &&
        (cc = PyObject_CallFunctionObjArgs(combining, ch, NULL))) {
        int same_low = PyUnicode_Check(low) ? PyUnicode_Compare(low, ch) == 0 : 0;
        int same_nf = PyUnicode_Check(nf) ? PyUnicode_Compare(nf, ch) == 0 : 0;
        long ccc = PyLong_AsLong(cc);
        if (!PyErr_Occurred()) {
            plain = same_low && same_nf && ccc == 0;
            plain_bits[c >> 3] |= (uint8_t)(plain << (c & 7));
            plain_seen[c >> 3] |= (uint8_t)(1 << (c & 7));
        }
    }
    Py_XDECREF(ch);
    Py_XDECREF(low);
    Py_XDECREF(nf);
    Py_XDECREF(cc);
    return plain;
}

/* The string features.normalize would give, minus the deletion of combining diacritics (the
 * tokenizer skips them); *lower tells whether ASCII letters still need lower-casing. New reference. */
static PyObject *normalized(PyObject *text, int *lower)
{
    if (PyUnicode_IS_ASCII(text)) {
        *lower = 1;
        Py_INCREF(text);
        return text;
    }
    {
        int kind = PyUnicode_KIND(text);
        const void *data = PyUnicode_DATA(text);
        Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0;
        for (; i < n; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if (c < 128)
                continue;
            int plain = is_plain(c);
            if (plain < 0)
                return NULL;
            if (!plain)
                break;
        }
        if (i == n) {
            *lower = 1;
            Py_INCREF(text);
            return text;
        }
    }
    *lower = 0;
    PyObject *low = PyObject_CallMethod(text, "lower", NULL);
    if (!low || PyUnicode_IS_ASCII(low))
        return low;
    /* NFKD leaves a string with lone surrogates as it is: they become spaces first, as in normalize */
    int kind = PyUnicode_KIND(low);
    if (kind != PyUnicode_1BYTE_KIND) {
        const void *data = PyUnicode_DATA(low);
        Py_ssize_t n = PyUnicode_GET_LENGTH(low), first = -1;
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if (c >= 0xD800 && c <= 0xDFFF) {
                first = i;
                break;
            }
        }
        if (first >= 0) {
            PyObject *fixed = PyUnicode_New(n, PyUnicode_MAX_CHAR_VALUE(low));
            if (!fixed) {
                Py_DECREF(low);
                return NULL;
            }
            int fk = PyUnicode_KIND(fixed);
            void *fd = PyUnicode_DATA(fixed);
            for (Py_ssize_t i = 0; i < n; i++) {
                Py_UCS4 c = PyUnicode_READ(kind, data, i);
                PyUnicode_WRITE(fk, fd, i, (c >= 0xD800 && c <= 0xDFFF) ? ' ' : c);
            }
            Py_DECREF(low);
            low = fixed;
        }
    }
    PyObject *out = PyObject_CallFunctionObjArgs(nfkd_normalize, str_NFKD, low, NULL);
    Py_DECREF(low);
    if (out && !PyUnicode_Check(out)) {
        Py_DECREF(out);
        PyErr_SetString(PyExc_TypeError, "unicodedata.normalize returned no str");
        return NULL;
    }
    return out;
}

static int read_piece(Scorer *s, Scratch *sc, PyObject *piece)
{
    int lower;
    PyObject *norm = normalized(piece, &lower);
    if (!norm)
        return -1;
    int r = read_tokens(s, sc, norm, lower);
    Py_DECREF(norm);
    return r;
}

static inline int is_space(Py_UCS4 c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

/* All tokens of a text, read in pieces of at least s->piece characters cut just before ASCII
 * whitespace (features.pieces), so a long text never has more than a piece normalized at once. */
static int read_text(Scorer *s, Scratch *sc, PyObject *text)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    start_text(s, sc);
    if (n <= s->piece)
        return read_piece(s, sc, text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t start = 0;
    while (start < n) {
        Py_ssize_t stop = n;
        if (start + s->piece < n) {
            for (Py_ssize_t i = start + s->piece; i < n; i++)
                if (is_space(PyUnicode_READ(kind, data, i))) {
                    stop = i;
                    break;
                }
        }
        PyObject *piece = PyUnicode_Substring(text, start, stop);
        if (!piece)
            return -1;
        int r = read_piece(s, sc, piece);
        Py_DECREF(piece);
        if (r < 0)
            return -1;
        start = stop;
    }
    return 0;
}

/* acc[t] += v * row[t] for each of k topics, two at a time in vector registers (every SIMD unit has two-double
 * lanes): each topic's sum is its own, so the same products are added in the same order as one at a time and the
 * scores keep their bits (the numpy engine's too). No fused multiply-add: the product is rounded before the sum. */
typedef double v2d __attribute__((vector_size(16)));
typedef float v2f __attribute__((vector_size(8)));

static inline void add_scaled_floats(double *acc, const float *row, double v, Py_ssize_t k)
{
    const v2d vv = {v, v};
    Py_ssize_t t = 0;
    for (; t + 2 <= k; t += 2) {
        v2f x;
        v2d a;
        memcpy(&x, row + t, sizeof x);
        memcpy(&a, acc + t, sizeof a);
        const v2d product = vv * __builtin_convertvector(x, v2d);
        a += product;
        memcpy(acc + t, &a, sizeof a);
    }
    for (; t < k; t++)
        acc[t] += v * (double)row[t];
}

static inline void add_scaled_doubles(double *acc, const double *row, double v, Py_ssize_t k)
{
    const v2d vv = {v, v};
    Py_ssize_t t = 0;
    for (; t + 2 <= k; t += 2) {
        v2d x, a;
        memcpy(&x, row + t, sizeof x);
        memcpy(&a, acc + t, sizeof a);
        const v2d product = vv * x;
        a += product;
        memcpy(acc + t, &a, sizeof a);
    }
    for (; t < k; t++)
        acc[t] += v * row[t];
}

/* Word e's unit vector over its character n-gram features (counts x idf), times the weights: its
 * subword share of each topic's log-odds, as TopicModel._score_words works it out. */
static int score_word(Scorer *s, Scratch *sc, int32_t e)
{
    double *out = s->scores + (size_t)e * s->k;
    memset(out, 0, s->k * sizeof(double));
    size_t len = s->words[e].key.len;
    if (!s->char_lo || len > (size_t)s->max_char_word) {
        s->words[e].has = 0;
        s->words[e].scored = 1;
        return 0;
    }
    size_t plen = len + 2, most = (size_t)(s->char_hi - s->char_lo + 1) * plen;
    if (RESERVE(sc->pad, sc->pad_cap, plen) < 0 || RESERVE(sc->gcols, sc->gcols_cap, most) < 0 ||
        RESERVE(sc->gcounts, sc->gcounts_cap, most) < 0 || RESERVE(sc->vals, sc->vals_cap, most) < 0)
        return -1;
    sc->pad[0] = ' ';
    memcpy(sc->pad + 1, s->wpool + s->words[e].key.off, len * sizeof(cp_t));
    sc->pad[len + 1] = ' ';
    size_t n = 0; /* distinct features, in order of first appearance */
    for (size_t g = (size_t)s->char_lo; g <= (size_t)s->char_hi && g <= plen; g++) {
        for (size_t i = 0; i + g <= plen; i++) {
            const cp_t *gram = sc->pad + i;
            size_t slot = table_slot(&s->gtab, &s->grams[0].key, sizeof(Gram), s->gpool, hash_cps(gram, g), gram, g);
            int32_t x = slot_entry(s->gtab.slots[slot]);
            if (x < 0)
                continue;
            int32_t col = s->grams[x].col;
            size_t j = 0;
            while (j < n && sc->gcols[j] != col)
                j++;
            if (j == n) {
                sc->gcols[n] = col;
                sc->gcounts[n++] = 0;
            }
            sc->gcounts[j]++;
        }
    }
    double sumsq = 0.0;
    for (size_t j = 0; j < n; j++) {
        sc->vals[j] = sc->gcounts[j] * s->idf[sc->gcols[j]];
        sumsq += sc->vals[j] * sc->vals[j];
    }
    double norm = sqrt(sumsq);
    for (size_t j = 0; j < n; j++) {
        double v = sc->vals[j] / norm;
        add_scaled_floats(out, s->coef + (size_t)sc->gcols[j] * s->k, v, s->k);
    }
    s->words[e].has = n > 0;
    s->words[e].scored = 1;
    return 0;
}

/* 1 + log(count) for the counts most words of a text have, worked out once by the same log(): a text's words
 * nearly all occur a few times, and a call of log() cost about as much as the rest of the word's scoring. */
#define FEW_COUNTS 64
static double few_counts[FEW_COUNTS];

static void count_logs_init(void)
{
    for (int c = 1; c < FEW_COUNTS; c++)
        few_counts[c] = 1.0 + log((double)c);
}

/* A term's sublinear frequency, 1 + log(count), for count >= 1. */
static inline double sublinear(int32_t count)
{
    return count < FEW_COUNTS ? few_counts[count] : 1.0 + log((double)count);
}

/* The scores of the text just read, into out[0..k): log-odds, or probabilities when proba. */
static int finish_text(Scorer *s, Scratch *sc, double *out, int proba)
{
    Py_ssize_t k = s->k;
    double *word_acc = sc->acc, *sub_acc = sc->acc + k;
    memset(sc->acc, 0, 2 * k * sizeof(double));
    size_t need = sc->nfeats > sc->nwords ? sc->nfeats : sc->nwords;
    if (RESERVE(sc->vals, sc->vals_cap, need + 1) < 0)
        return -1;
    int known = sc->nfeats > 0;
    /* word block: sublinear tf x idf over the square root of (the sum of their squares + norm_offset) */
    double sumsq = 0.0;
    for (size_t i = 0; i < sc->nfeats; i++) {
        int32_t col = sc->feats[i];
        double v = sublinear(sc->fcount[col]) * s->idf[col];
        sc->vals[i] = v;
        sumsq += v * v;
    }
    double norm = sqrt(sumsq + s->norm_offset);
    for (size_t i = 0; i < sc->nfeats && i < ROWS_AHEAD; i++)
        fetch_row(s->coef + (size_t)sc->feats[i] * k, k * sizeof(float));
    for (size_t i = 0; i < sc->nfeats; i++) {
        if (i + ROWS_AHEAD < sc->nfeats)
            fetch_row(s->coef + (size_t)sc->feats[i + ROWS_AHEAD] * k, k * sizeof(float));
        add_scaled_floats(word_acc, s->coef + (size_t)sc->feats[i] * k, sc->vals[i] / norm, k);
    }
    /* subword block: each distinct word's sublinear count x idf, normed as the word block, times its scores */
    if (s->char_lo && sc->nwords) {
        for (size_t i = 0; i < sc->nwords; i++)
            if (!s->words[sc->words[i]].scored && score_word(s, sc, sc->words[i]) < 0)
                return -1;
        if (RESERVE(sc->vals, sc->vals_cap, sc->nwords) < 0)
            return -1;
        sumsq = 0.0;
        for (size_t i = 0; i < sc->nwords; i++) {
            int32_t e = sc->words[i];
            double v = sublinear(sc->wcount[e]) * s->words[e].idf;
            sc->vals[i] = v;
            sumsq += v * v;
        }
        norm = sqrt(sumsq + s->norm_offset);
        for (size_t i = 0; i < sc->nwords && i < ROWS_AHEAD; i++)
            fetch_row(s->scores + (size_t)sc->words[i] * k, k * sizeof(double));
        for (size_t i = 0; i < sc->nwords; i++) {
            int32_t e = sc->words[i];
            if (i + ROWS_AHEAD < sc->nwords)
                fetch_row(s->scores + (size_t)sc->words[i + ROWS_AHEAD] * k, k * sizeof(double));
            if (!s->words[e].has)
                continue;
            known = 1;
            add_scaled_doubles(sub_acc, s->scores + (size_t)e * k, sc->vals[i] / norm, k);
        }
    }
    for (Py_ssize_t t = 0; t < k; t++)
        out[t] = (word_acc[t] + sub_acc[t]) + s->intercept[t];
    scratch_clear(sc);
    if (!proba)
        return 0;
    if (!known) {
        memset(out, 0, k * sizeof(double));
        return 0;
    }
    double total = 0.0;
    for (Py_ssize_t t = 0; t < k; t++) {
        out[t] = 1.0 / (1.0 + exp(-out[t]));
        total += out[t];
    }
    if (!s->multi_label && total > 0.0)
        for (Py_ssize_t t = 0; t < k; t++)
            out[t] /= total;
    return 0;
}

/* Score one text into out; the cache of other words is emptied first when it is over its limit and
 * no other call holds entries of it. */
static int score_one(Scorer *s, Scratch *sc, PyObject *text, double *out, int proba)
{
    if (s->busy == 1 && (s->n_words - s->n_perm > (size_t)s->cache_limit ||
                         s->wpool_len - s->wpool_perm > (size_t)s->pool_limit))
        clear_cache(s);
    if (read_text(s, sc, text) < 0) {
        scratch_clear(sc);
        return -1;
    }
    if (finish_text(s, sc, out, proba) < 0) {
        scratch_clear(sc);
        return -1;
    }
    return 0;
}

static Scratch *enter(Scorer *s)
{
    Scratch *sc = scratch_take(s);
    if (sc)
        s->busy++;
    return sc;
}

static void leave(Scorer *s, Scratch *sc)
{
    s->busy--;
    scratch_give(s, sc);
}

/* ---- building --------------------------------------------------------------------------- */

/* The code points of str into *buf (grown as needed); their number, or -1. */
static Py_ssize_t code_points(PyObject *str, cp_t **buf, size_t *cap)
{
    if (!PyUnicode_Check(str)) {
        PyErr_SetString(PyExc_TypeError, "terms must be str");
        return -1;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(str);
    if (RESERVE(*buf, *cap, (size_t)n + 1) < 0)
        return -1;
    int kind = PyUnicode_KIND(str);
    const void *data = PyUnicode_DATA(str);
    for (Py_ssize_t i = 0; i < n; i++)
        (*buf)[i] = PyUnicode_READ(kind, data, i);
    return n;
}

/* The vocabulary word (s, n), made when absent. */
static int32_t vocab_word(Scorer *sc, const cp_t *s, size_t n)
{
    uint64_t h = hash_cps(s, n);
    int32_t e = word_find(sc, &sc->perm, h, s, n);
    return e >= 0 ? e : word_add(sc, &sc->perm, h, s, n);
}

static int build_words(Scorer *s, PyObject *terms)
{
    Py_ssize_t n = PyList_GET_SIZE(terms);
    cp_t *buf = NULL;
    size_t cap = 0;
    /* each term's words, read once: term col's are words[first[col]] up to words[first[col + 1]] */
    int32_t *words = NULL;
    size_t w_cap = 0, n_w = 0;
    size_t *first = PyMem_Malloc(((size_t)n + 1) * sizeof(size_t));
    size_t edges = 0; /* of the trie: an n-gram of m words makes at most m - 1 */
    int ok = -1;
    if (!first) {
        PyErr_NoMemory();
        goto done;
    }
    if (table_init(&s->perm, (size_t)n) < 0 || table_init(&s->temp, 1024) < 0)
        goto done;
    /* first the words (unigram features and n-grams' words), then the n-grams' trie paths */
    for (Py_ssize_t col = 0; col < n; col++) {
        Py_ssize_t len = code_points(PyList_GET_ITEM(terms, col), &buf, &cap);
        if (len < 0)
            goto done;
        first[col] = n_w;
        size_t start = 0;
        for (size_t i = 0; i <= (size_t)len; i++) {
            if (i < (size_t)len && buf[i] != ' ')
                continue;
            if (i > start) {
                int32_t e = vocab_word(s, buf + start, i - start);
                if (e < 0 || RESERVE(words, w_cap, n_w + 1) < 0)
                    goto done;
                words[n_w++] = e;
            }
            start = i + 1;
        }
        size_t parts = n_w - first[col];
        if (parts == 1) {
            s->words[words[first[col]]].unigram = (int32_t)col;
            s->words[words[first[col]]].idf = s->idf[col];
        } else if (parts > 1) {
            if ((int)parts > s->word_hi) {
                PyErr_Format(PyExc_ValueError, "term %zd has %zu words, more than word_ngrams allows", col, parts);
                goto done;
            }
            edges += parts - 1;
            for (size_t j = first[col]; j < n_w; j++) /* every word of an n-gram gets a trie id */
                if (s->words[words[j]].gid < 0)
                    s->words[words[j]].gid = s->n_nodes++;
        }
    }
    first[n] = n_w;
    if (trie_init(s, edges + 1) < 0)
        goto done;
    for (Py_ssize_t col = 0; col < n; col++) {
        if (first[col + 1] - first[col] < 2)
            continue;
        int32_t node = s->words[words[first[col]]].gid;
        TrieSlot *t = NULL;
        for (size_t j = first[col] + 1; j < first[col + 1]; j++) {
            t = trie_child(s, node, s->words[words[j]].gid);
            node = t->node;
        }
        t->col = (int32_t)col;
    }
    s->n_perm = s->n_words;
    s->wpool_perm = s->wpool_len;
    ok = 0;
done:
    PyMem_Free(buf);
    PyMem_Free(words);
    PyMem_Free(first);
    return ok;
}
static int build_grams(Scorer *s, PyObject *terms)
{
    Py_ssize_t n = PyList_GET_SIZE(terms);
    cp_t *buf = NULL;
    size_t cap = 0;
    int ok = -1;
    if (table_init(&s->gtab, (size_t)n) < 0)
        goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t len = code_points(PyList_GET_ITEM(terms, i), &buf, &cap);
        if (len < 0 || RESERVE(s->grams, s->grams_cap, s->n_grams + 1) < 0 ||
            RESERVE(s->gpool, s->gpool_cap, s->gpool_len + (size_t)len) < 0)
            goto done;
        uint64_t h = hash_cps(buf, (size_t)len);
        size_t slot = table_slot(&s->gtab, &s->grams[0].key, sizeof(Gram), s->gpool, h, buf, (size_t)len);
        if (s->gtab.slots[slot]) {
            PyErr_Format(PyExc_ValueError, "character term %zd is repeated", i);
            goto done;
        }
        Gram *g = &s->grams[s->n_grams];
        g->key.hash = h;
        g->key.off = (uint32_t)s->gpool_len;
        g->key.len = (uint32_t)len;
        g->col = (int32_t)(s->n_word + i);
        memcpy(s->gpool + s->gpool_len, buf, (size_t)len * sizeof(cp_t));
        s->gpool_len += (size_t)len;
        if (table_add(&s->gtab, &s->grams[0].key, sizeof(Gram), (int32_t)s->n_grams) < 0)
            goto done;
        s->n_grams++;
    }
    ok = 0;
done:
    PyMem_Free(buf);
    return ok;
}

static int get_array(PyObject *obj, Py_buffer *view, const char *format, Py_ssize_t items, const char *name)
{
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return -1;
    if (strcmp(view->format, format) != 0 || (items >= 0 && view->len != items * view->itemsize)) {
        PyErr_Format(PyExc_ValueError, "%s must be a contiguous array of %zd items of format '%s'", name, items, format);
        PyBuffer_Release(view);
        view->obj = NULL;
        return -1;
    }
    return 0;
}

static void Scorer_dealloc(Scorer *s)
{
    if (s->idf_buf.obj)
        PyBuffer_Release(&s->idf_buf);
    if (s->coef_buf.obj)
        PyBuffer_Release(&s->coef_buf);
    if (s->intercept_buf.obj)
        PyBuffer_Release(&s->intercept_buf);
    PyMem_Free(s->words);
    PyMem_Free(s->scores);
    PyMem_Free(s->wpool);
    PyMem_Free(s->perm.slots);
    PyMem_Free(s->temp.slots);
    PyMem_Free(s->grams);
    PyMem_Free(s->gpool);
    PyMem_Free(s->gtab.slots);
    PyMem_Free(s->trie);
    while (s->spare) {
        Scratch *next = s->spare->next;
        scratch_free(s->spare);
        s->spare = next;
    }
    Py_TYPE(s)->tp_free((PyObject *)s);
}

static int Scorer_init(Scorer *s, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"word_terms", "char_terms", "idf", "coef", "intercept", "unknown_idf", "norm_offset",
                             "word_ngrams", "char_ngrams", "max_char_word", "multi_label", "cache_limit", "pool_limit",
                             "piece", NULL};
    PyObject *word_terms, *char_terms, *idf, *coef, *intercept;
    int multi_label;
    if (s->words) {
        PyErr_SetString(PyExc_RuntimeError, "a Scorer is built once");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O!OOOdd(ii)(ii)npnnn", kwlist, &PyList_Type, &word_terms,
                                     &PyList_Type, &char_terms, &idf, &coef, &intercept, &s->unknown_idf,
                                     &s->norm_offset, &s->word_lo,
                                     &s->word_hi, &s->char_lo, &s->char_hi, &s->max_char_word, &multi_label,
                                     &s->cache_limit, &s->pool_limit, &s->piece))
        return -1;
    s->multi_label = multi_label;
    if (!(s->norm_offset >= 0.0) || !isfinite(s->norm_offset)) {
        PyErr_SetString(PyExc_ValueError, "norm_offset must be a finite number >= 0");
        return -1;
    }
    if (s->word_lo < 1 || s->word_hi < s->word_lo || s->word_hi > 64 || s->char_lo < 0 ||
        (s->char_lo && s->char_hi < s->char_lo) || s->max_char_word < 0 || s->piece < 1) {
        PyErr_SetString(PyExc_ValueError, "n-gram ranges, max_char_word or piece out of range");
        return -1;
    }
    s->n_word = PyList_GET_SIZE(word_terms);
    s->n_feat = s->n_word + PyList_GET_SIZE(char_terms);
    if (get_array(intercept, &s->intercept_buf, "d", -1, "intercept") < 0)
        return -1;
    s->k = s->intercept_buf.len / (Py_ssize_t)sizeof(double);
    if (s->k < 1) {
        PyErr_SetString(PyExc_ValueError, "no topics");
        return -1;
    }
    if (get_array(idf, &s->idf_buf, "d", s->n_feat, "idf") < 0 ||
        get_array(coef, &s->coef_buf, "f", s->n_feat * s->k, "coef") < 0)
        return -1;
    s->idf = s->idf_buf.buf;
    s->coef = s->coef_buf.buf;
    s->intercept = s->intercept_buf.buf;
    if (build_words(s, word_terms) < 0 || build_grams(s, char_terms) < 0)
        return -1;
    return 0;
}

/* ---- methods ----------------------------------------------------------------------------- */

static PyObject *Scorer_score(Scorer *s, PyObject *args)
{
    PyObject *texts, *outobj;
    int proba;
    if (!PyArg_ParseTuple(args, "O!Op", &PyList_Type, &texts, &outobj, &proba))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(texts);
    for (Py_ssize_t i = 0; i < n; i++)
        if (!PyUnicode_Check(PyList_GET_ITEM(texts, i)))
            return PyErr_Format(PyExc_TypeError, "text %zd is %s, not str", i, Py_TYPE(PyList_GET_ITEM(texts, i))->tp_name);
    Py_buffer out;
    if (PyObject_GetBuffer(outobj, &out, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE | PyBUF_FORMAT) < 0)
        return NULL;
    if (strcmp(out.format, "d") != 0 || out.len != n * s->k * (Py_ssize_t)sizeof(double)) {
        PyBuffer_Release(&out);
        PyErr_SetString(PyExc_ValueError, "out must be a writable float64 array of len(texts) x topics");
        return NULL;
    }
    Scratch *sc = enter(s);
    int r = sc ? 0 : -1;
    /* the list may change while lower() or NFKD run; hold each text */
    for (Py_ssize_t i = 0; r == 0 && i < n && i < PyList_GET_SIZE(texts); i++) {
        PyObject *text = PyList_GET_ITEM(texts, i);
        if (!PyUnicode_Check(text)) {
            PyErr_Format(PyExc_TypeError, "text %zd is %s, not str", i, Py_TYPE(text)->tp_name);
            r = -1;
            break;
        }
        Py_INCREF(text);
        r = score_one(s, sc, text, (double *)out.buf + i * s->k, proba);
        Py_DECREF(text);
    }
    if (sc)
        leave(s, sc);
    PyBuffer_Release(&out);
    if (r < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *Scorer_proba(Scorer *s, PyObject *text)
{
    if (!PyUnicode_Check(text))
        return PyErr_Format(PyExc_TypeError, "text is %s, not str", Py_TYPE(text)->tp_name);
    double small[64];
    double *out = s->k <= 64 ? small : PyMem_Malloc(s->k * sizeof(double));
    if (!out)
        return PyErr_NoMemory();
    Scratch *sc = enter(s);
    int r = sc ? score_one(s, sc, text, out, 1) : -1;
    if (sc)
        leave(s, sc);
    PyObject *list = NULL;
    if (r == 0 && (list = PyList_New(s->k))) {
        for (Py_ssize_t t = 0; t < s->k; t++) {
            PyObject *f = PyFloat_FromDouble(out[t]);
            if (!f) {
                Py_CLEAR(list);
                break;
            }
            PyList_SET_ITEM(list, t, f);
        }
    }
    if (out != small)
        PyMem_Free(out);
    return list;
}

static PyObject *Scorer_cached(Scorer *s, PyObject *Py_UNUSED(ignored))
{
    return PyLong_FromSize_t(s->n_words - s->n_perm);
}

static PyMethodDef Scorer_methods[] = {
    {"score", (PyCFunction)Scorer_score, METH_VARARGS,
     "score(texts, out, proba): each text's log-odds (proba false) or probabilities into out, a float64 array of "
     "len(texts) x topics; a text without a known term gets probability 0 everywhere."},
    {"proba", (PyCFunction)Scorer_proba, METH_O, "proba(text): one text's topic probabilities, as a list."},
    {"cached", (PyCFunction)Scorer_cached, METH_NOARGS, "cached(): how many words outside the vocabulary are cached."},
    {NULL},
};

static PyTypeObject ScorerType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "topicslib._scorer.Scorer",
    .tp_doc = "A model's weights and vocabulary, ready to score texts (see topicslib/_scorer.c).",
    .tp_basicsize = sizeof(Scorer),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Scorer_init,
    .tp_dealloc = (destructor)Scorer_dealloc,
    .tp_methods = Scorer_methods,
};

/* ---- language evidence: what language.detect counts, in C ------------------------------------
 * A Leaning holds language.py's function words (each with +1 for Spanish or -1 for English) and its
 * Spanish marks. For a text it does what detect does in Python: lower-case it (str.lower, so every
 * special case is Python's own), split it at whitespace as str.split() does, add up the words'
 * leanings (twice) and, when the lowered text is not ASCII, count the marks (twice, but once in a word whose first
 * code point is upper case). A text holding "://" or "www.", or one lowered first that holds a mark (its words'
 * case is lost), is left to Python: its answer is None. */

#define LEAN_WORD 32 /* the longest function word a Leaning holds, in code points */

typedef struct {
    uint64_t key; /* the word's code points packed by lean_step */
    cp_t cps[LEAN_WORD];
    uint32_t len; /* 0: an empty slot */
    int32_t value;
    int exact; /* whether key and len tell the word from every other (lean_exact) */
} LeanWord;

typedef struct {
    PyObject_HEAD
    LeanWord *words; /* open addressing on lean_slot */
    size_t mask;
    int shift; /* 64 less the bits of mask */
    size_t longest;
    cp_t marks[32];
    int n_marks;
    cp_t least_wide_mark; /* the smallest of the marks beyond Latin-1 (those below are in class1) */
    /* For the characters of Latin-1 (nearly all of English and Spanish text), in a string of any kind: each one's
     * lower case (str.lower maps every Latin-1 character to one Latin-1 character) and what a lowered one is to the
     * scan (class1's bits below). */
    uint8_t lower1[256];
    uint8_t class1[256];
    uint16_t lowclass1[256]; /* lower1[c], with class1 of it in the high byte: the letter loop's one look-up */
    PyObject *en, *es, *und;
} Leaning;

/* class1's bits: whitespace as str.split() knows it, a mark, beyond ASCII, and '/' or '.' (which may end a link's
 * "://" or "www."). A character with none of them is a word's letter and nothing more. */
#define LEAN_SPACE 1
#define LEAN_MARK 2
#define LEAN_BEYOND 4
#define LEAN_LINK 8

/* A word's key: its (lowered) code points packed a byte each, one shift and one or a letter as the scan reads
 * them. With its length, the key of a word of at most 8 Latin-1 code points is the word itself (lean_exact): only
 * other words (longer, whose first letters are shifted out, or with wider code points, which overlap their
 * neighbours) are compared letter by letter with a function word of the same key and length. Its home slot: the
 * key and length's top bits after a multiply. */
static inline uint64_t lean_step(uint64_t key, cp_t c) { return key << 8 | c; }
static inline int lean_exact(size_t len, int wide) { return len <= 8 && !wide; }
static inline size_t lean_slot(const Leaning *d, uint64_t key, size_t len)
{
    return (size_t)(((key ^ (uint64_t)len << 59) * 0x9E3779B97F4A7C15ULL) >> d->shift);
}

static void Leaning_dealloc(Leaning *d)
{
    PyMem_Free(d->words);
    Py_XDECREF(d->en);
    Py_XDECREF(d->es);
    Py_XDECREF(d->und);
    Py_TYPE(d)->tp_free((PyObject *)d);
}

static int Leaning_init(Leaning *d, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"words", "marks", "en", "es", "und", NULL};
    PyObject *words, *marks, *en, *es, *und;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!UUUU", kwlist, &PyDict_Type, &words, &marks, &en, &es, &und))
        return -1;
    Py_ssize_t n_marks = PyUnicode_GET_LENGTH(marks);
    if (n_marks > 32) {
        PyErr_SetString(PyExc_ValueError, "more than 32 marks");
        return -1;
    }
    d->least_wide_mark = 0xFFFFFFFF;
    for (Py_ssize_t i = 0; i < n_marks; i++) {
        d->marks[i] = PyUnicode_READ_CHAR(marks, i);
        if (d->marks[i] >= 256 && d->marks[i] < d->least_wide_mark)
            d->least_wide_mark = d->marks[i];
    }
    d->n_marks = (int)n_marks;
    for (int c = 0; c < 256; c++) {
        Py_UCS4 low = Py_UNICODE_TOLOWER((Py_UCS4)c);
        if (low > 255) { /* no Latin-1 character's lower case is beyond Latin-1, in any Unicode so far */
            PyErr_SetString(PyExc_ValueError, "a Latin-1 character lowers beyond Latin-1");
            return -1;
        }
        d->lower1[c] = (uint8_t)low;
        uint8_t k = (Py_UNICODE_ISSPACE((Py_UCS4)c) ? LEAN_SPACE : 0) | (c >= 128 ? LEAN_BEYOND : 0) |
                    (c == '/' || c == '.' ? LEAN_LINK : 0);
        for (int m = 0; m < d->n_marks; m++)
            if ((cp_t)c == d->marks[m])
                k |= LEAN_MARK;
        d->class1[c] = k;
    }
    for (int c = 0; c < 256; c++)
        d->lowclass1[c] = (uint16_t)(d->lower1[c] | d->class1[d->lower1[c]] << 8);
    size_t n = 64;
    d->shift = 58;
    while (n < 4 * (size_t)PyDict_GET_SIZE(words)) {
        n *= 2;
        d->shift--;
    }
    PyMem_Free(d->words);
    d->words = PyMem_Calloc(n, sizeof(LeanWord));
    if (!d->words) {
        PyErr_NoMemory();
        return -1;
    }
    d->mask = n - 1;
    d->longest = 0;
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(words, &pos, &key, &value)) {
        if (!PyUnicode_Check(key) || PyUnicode_GET_LENGTH(key) < 1 || PyUnicode_GET_LENGTH(key) > LEAN_WORD) {
            PyErr_Format(PyExc_ValueError, "a function word must be a str of 1 to %d characters", LEAN_WORD);
            return -1;
        }
        long v = PyLong_AsLong(value);
        if (v == -1 && PyErr_Occurred())
            return -1;
        if (v < -1000 || v > 1000) {
            PyErr_SetString(PyExc_ValueError, "a leaning must be a small integer");
            return -1;
        }
        cp_t cps[LEAN_WORD];
        size_t len = (size_t)PyUnicode_GET_LENGTH(key);
        for (size_t i = 0; i < len; i++)
            cps[i] = PyUnicode_READ_CHAR(key, (Py_ssize_t)i);
        uint64_t k = 0;
        int wide = 0;
        for (size_t j = 0; j < len; j++) {
            k = lean_step(k, cps[j]);
            wide |= cps[j] > 255;
        }
        size_t i = lean_slot(d, k, len);
        while (d->words[i].len && !(d->words[i].len == len && memcmp(d->words[i].cps, cps, len * sizeof(cp_t)) == 0))
            i = (i + 1) & d->mask;
        d->words[i].key = k;
        memcpy(d->words[i].cps, cps, len * sizeof(cp_t));
        d->words[i].len = (uint32_t)len;
        d->words[i].value = (int32_t)v;
        d->words[i].exact = lean_exact(len, wide);
        if (len > d->longest)
            d->longest = len;
    }
    Py_INCREF(en);
    Py_XSETREF(d->en, en);
    Py_INCREF(es);
    Py_XSETREF(d->es, es);
    Py_INCREF(und);
    Py_XSETREF(d->und, und);
    return 0;
}

/* One pass over a text's code points (of type TYPE): the sum of its words' leanings, plus its marks when
 * it is not all ASCII, into *lean. Latin-1 characters are lowered on the way by table (str.lower maps each to one
 * Latin-1 character, whatever surrounds it) and classed by one look-up. With check_case, a code point beyond
 * Latin-1 that has a lower case stops the pass (returns 2: the caller lowers the whole text with str.lower and
 * scans that); other code points beyond Latin-1 are their own lower case, in str.lower as here. Returns 1, or 0
 * for a text holding "://" or "www." (after lowering): looked for behind a '/' or a '.' only, so that a word's
 * plain letters of Latin-1 take a loop of their own, a look-up and the key's step each; a word's letters are read
 * again from the text only for a possessive, or to confirm a function word its key does not tell (lean_exact). */
#define DEFINE_LEAN_SCAN(NAME, TYPE)                                                                       \
    static inline cp_t NAME##_lowered(const Leaning *d, const TYPE *s, Py_ssize_t i)                       \
    {                                                                                                      \
        cp_t c = (cp_t)s[i];                                                                               \
        return c < 256 ? d->lower1[c] : c;                                                                 \
    }                                                                                                      \
    /* The leaning of the word of len code points ending before s[end] (key: its lean_step key; wide: whether it \
     * has a code point beyond Latin-1); 0 for no function word. */                                        \
    static inline int32_t NAME##_function_word(const Leaning *d, const TYPE *s, Py_ssize_t end, size_t len, \
                                               uint64_t key, int wide)                                     \
    {                                                                                                      \
        const int exact = lean_exact(len, wide);                                                           \
        for (size_t i = lean_slot(d, key, len);; i = (i + 1) & d->mask) {                                  \
            const LeanWord *w = &d->words[i];                                                              \
            if (!w->len)                                                                                   \
                return 0;                                                                                  \
            if (w->key != key || w->len != len)                                                            \
                continue;                                                                                  \
            if (exact && w->exact)                                                                         \
                return w->value;                                                                           \
            size_t j = 0;                                                                                  \
            while (j < len && NAME##_lowered(d, s, end - (Py_ssize_t)len + (Py_ssize_t)j) == w->cps[j])    \
                j++;                                                                                       \
            if (j == len)                                                                                  \
                return w->value;                                                                           \
        }                                                                                                  \
    }                                                                                                      \
    /* What the word of len code points ending before s[end] adds: its leaning as a function word, an English \
     * possessive ('s or ’s), and "UN" in capitals taking back the Spanish "un" it lowers to. */           \
    static inline __attribute__((always_inline)) long NAME##_word_end(const Leaning *d, const TYPE *s, Py_ssize_t end, \
                                                                      size_t len, uint64_t key, int wide)      \
    {                                                                                                      \
        if (!len)                                                                                          \
            return 0;                                                                                      \
        long sum = len <= d->longest ? NAME##_function_word(d, s, end, len, key, wide) : 0;                \
        if (len >= 2 && NAME##_lowered(d, s, end - 1) == 's') {                                            \
            const cp_t q = NAME##_lowered(d, s, end - 2);                                                  \
            sum -= q == '\'' || q == 0x2019;                                                               \
        }                                                                                                  \
        sum -= len == 2 && s[end - 2] == 'U' && s[end - 1] == 'N';                                         \
        return sum;                                                                                        \
    }                                                                                                      \
    static int NAME(const Leaning *d, const TYPE *s, Py_ssize_t n, int check_case, long *lean)             \
    {                                                                                                      \
        long sum = 0, marks = 0;                                                                           \
        int beyond_ascii = 0, wide = 0;                                                                    \
        Py_ssize_t start = 0, i = 0; /* start: where the word begins */                                    \
        uint64_t key = 0;                                                                                  \
        for (;;) {                                                                                         \
            /* A word's plain letters of Latin-1, by far the commonest characters, in a loop of their own */ \
            cp_t c = 0;                                                                                    \
            uint8_t k = 0;                                                                                 \
            for (; i < n; i++) {                                                                           \
                c = (cp_t)s[i];                                                                            \
                if (c > 255)                                                                               \
                    break;                                                                                 \
                const uint16_t v = d->lowclass1[c];                                                        \
                if (v > 255) {                                                                             \
                    c = v & 255;                                                                           \
                    k = (uint8_t)(v >> 8);                                                                 \
                    break;                                                                                 \
                }                                                                                          \
                key = lean_step(key, v);                                                                   \
            }                                                                                              \
            if (i == n)                                                                                    \
                break;                                                                                     \
            if (c > 255) { /* its own lower case, or the text is lowered first */                          \
                if (check_case && (cp_t)Py_UNICODE_TOLOWER(c) != c)                                        \
                    return 2;                                                                              \
                wide = 1;                                                                                  \
                k = LEAN_BEYOND | (Py_UNICODE_ISSPACE(c) ? LEAN_SPACE : 0);                                \
                if (c >= d->least_wide_mark)                                                               \
                    for (int m = 0; m < d->n_marks; m++)                                                   \
                        if (c == d->marks[m])                                                              \
                            k |= LEAN_MARK;                                                                \
            }                                                                                              \
            if (k != LEAN_SPACE) { /* not an ASCII space, the commonest */                                 \
                beyond_ascii |= k & LEAN_BEYOND;                                                           \
                if (k & LEAN_MARK) { /* half as much in a word with a capital first: a name, "Bogotá" */    \
                    if (!check_case) /* the text was lowered, its case lost: Python decides */              \
                        return 0;                                                                          \
                    marks += Py_UNICODE_ISUPPER((Py_UCS4)s[start]) ? 1 : 2;                                \
                }                                                                                          \
                if ((k & LEAN_LINK) &&                                                                     \
                    ((c == '/' && i >= 2 && NAME##_lowered(d, s, i - 1) == '/' &&                          \
                      NAME##_lowered(d, s, i - 2) == ':') ||                                               \
                     (c == '.' && i >= 3 && NAME##_lowered(d, s, i - 1) == 'w' &&                          \
                      NAME##_lowered(d, s, i - 2) == 'w' && NAME##_lowered(d, s, i - 3) == 'w')))          \
                    return 0;                                                                              \
                if (!(k & LEAN_SPACE)) {                                                                   \
                    key = lean_step(key, c);                                                               \
                    i++;                                                                                   \
                    continue;                                                                              \
                }                                                                                          \
            }                                                                                              \
            sum += NAME##_word_end(d, s, i, (size_t)(i - start), key, wide);                               \
            start = ++i;                                                                                   \
            key = 0;                                                                                       \
            wide = 0;                                                                                      \
        }                                                                                                  \
        sum += NAME##_word_end(d, s, n, (size_t)(n - start), key, wide);                                   \
        *lean = 2 * sum + (beyond_ascii ? marks : 0);                                                      \
        return 1;                                                                                          \
    }

DEFINE_LEAN_SCAN(lean_scan1, Py_UCS1)
DEFINE_LEAN_SCAN(lean_scan2, Py_UCS2)
DEFINE_LEAN_SCAN(lean_scan4, Py_UCS4)

static int lean_scan(const Leaning *d, PyObject *str, int check_case, long *lean)
{
    const void *data = PyUnicode_DATA(str);
    Py_ssize_t n = PyUnicode_GET_LENGTH(str);
    switch (PyUnicode_KIND(str)) {
    case PyUnicode_1BYTE_KIND:
        return lean_scan1(d, data, n, check_case, lean);
    case PyUnicode_2BYTE_KIND:
        return lean_scan2(d, data, n, check_case, lean);
    default:
        return lean_scan4(d, data, n, check_case, lean);
    }
}

/* How many of text's words (split at whitespace) are "UN": the scan of a text lowered first no longer sees them. */
static long words_un(PyObject *text)
{
    const int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    const Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    long count = 0;
    for (Py_ssize_t i = 0; i + 1 < n; i++)
        if (PyUnicode_READ(kind, data, i) == 'U' && PyUnicode_READ(kind, data, i + 1) == 'N' &&
            (i == 0 || Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i - 1))) &&
            (i + 2 == n || Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i + 2))))
            count++;
    return count;
}

/* The leaning of str text into *lean: 1, or 0 when the text holds a link (Python decides), -1 on error.
 * A text with a letter beyond ASCII that has a lower case is lowered by str.lower first, as detect does. */
static int lean_of(const Leaning *d, PyObject *text, long *lean)
{
    int r = lean_scan(d, text, 1, lean);
    if (r != 2)
        return r;
    PyObject *low = PyObject_CallMethod(text, "lower", NULL);
    if (!low)
        return -1;
    if (!PyUnicode_Check(low)) {
        Py_DECREF(low);
        PyErr_SetString(PyExc_TypeError, "lower() gave no str");
        return -1;
    }
    r = lean_scan(d, low, 0, lean);
    Py_DECREF(low);
    if (r == 1)
        *lean -= 2 * words_un(text);
    return r;
}

/* languages(texts): for each str of the list, "en", "es" or "und" as language.detect answers, or None
 * for a text holding a link. */
static PyObject *Leaning_languages(Leaning *d, PyObject *texts)
{
    if (!PyList_Check(texts))
        return PyErr_Format(PyExc_TypeError, "texts is %s, not list", Py_TYPE(texts)->tp_name);
    Py_ssize_t n = PyList_GET_SIZE(texts);
    PyObject *out = PyList_New(n);
    if (!out)
        return NULL;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *text = PyList_GET_ITEM(texts, k);
        if (!PyUnicode_Check(text)) {
            Py_DECREF(out);
            return PyErr_Format(PyExc_TypeError, "text is %s, not str", Py_TYPE(text)->tp_name);
        }
        long lean = 0;
        int r = lean_of(d, text, &lean);
        if (r < 0) {
            Py_DECREF(out);
            return NULL;
        }
        PyObject *lang = r == 0 ? Py_None : lean == 0 ? d->und : lean > 0 ? d->es : d->en;
        PyList_SET_ITEM(out, k, Py_NewRef(lang));
    }
    return out;
}

static PyMethodDef Leaning_methods[] = {
    {"languages", (PyCFunction)Leaning_languages, METH_O,
     "languages(texts): each text's language as language.detect gives it, or None for a text holding a link."},
    {NULL},
};

static PyTypeObject LeaningType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "topicslib._scorer.Leaning",
    .tp_doc = "Leaning(words, marks, en, es, und): language.detect's counting of function words and marks.",
    .tp_basicsize = sizeof(Leaning),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Leaning_init,
    .tp_dealloc = (destructor)Leaning_dealloc,
    .tp_methods = Leaning_methods,
};

/* A run ends: a token, appended to the list ctx, if it has two or more characters. */
static int append_token(void *ctx, Cps *cps, size_t start, uint64_t Py_UNUSED(h))
{
    size_t len = cps->len - start;
    cps->len = start;
    if (len < 2)
        return 0;
    PyObject *word = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, cps->buf + start, (Py_ssize_t)len);
    int r = word ? PyList_Append((PyObject *)ctx, word) : -1;
    Py_XDECREF(word);
    return r;
}

/* tokenize(text): the tokens of features.tokenize, found in C. */
static PyObject *tokenize(PyObject *Py_UNUSED(module), PyObject *text)
{
    if (!PyUnicode_Check(text))
        return PyErr_Format(PyExc_TypeError, "text is %s, not str", Py_TYPE(text)->tp_name);
    int lower;
    PyObject *norm = normalized(text, &lower);
    if (!norm)
        return NULL;
    PyObject *out = PyList_New(0);
    Cps cps = {NULL, 0, 0};
    if (out && scan_words(norm, lower, &cps, append_token, out) < 0)
        Py_CLEAR(out);
    PyMem_Free(cps.buf);
    Py_DECREF(norm);
    return out;
}

static PyMethodDef module_methods[] = {
    {"tokenize", (PyCFunction)tokenize, METH_O, "tokenize(text): the word tokens of features.tokenize."},
    {NULL},
};

static struct PyModuleDef scorer_module = {
    PyModuleDef_HEAD_INIT, .m_name = "topicslib._scorer", .m_doc = "Compiled scoring for topicslib.", .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__scorer(void)
{
    if (PyType_Ready(&ScorerType) < 0 || PyType_Ready(&LeaningType) < 0)
        return NULL;
    count_logs_init();
    ascii_word_init();
    PyObject *unicodedata = PyImport_ImportModule("unicodedata");
    if (!unicodedata)
        return NULL;
    nfkd_normalize = PyObject_GetAttrString(unicodedata, "normalize");
    combining = PyObject_GetAttrString(unicodedata, "combining");
    Py_DECREF(unicodedata);
    str_NFKD = PyUnicode_InternFromString("NFKD");
    if (!nfkd_normalize || !combining || !str_NFKD)
        return NULL;
    PyObject *m = PyModule_Create(&scorer_module);
    if (!m)
        return NULL;
    Py_INCREF(&ScorerType);
    if (PyModule_AddObject(m, "Scorer", (PyObject *)&ScorerType) < 0) {
        Py_DECREF(&ScorerType);
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&LeaningType);
    if (PyModule_AddObject(m, "Leaning", (PyObject *)&LeaningType) < 0) {
        Py_DECREF(&LeaningType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
