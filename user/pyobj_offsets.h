/* pyobj_offsets.h: CPython object layouts (dicts, types, ints, attributes), user space only. */
#ifndef PYOBJ_OFFSETS_H
#define PYOBJ_OFFSETS_H

#include <stdint.h>

/* A u16/u32 offset that does not exist in a version (same value as
 * PH_NO_OFFSET in pyhawk.h, so the generator treats both alike). */
#define PYOBJ_NO_OFFSET 0xffff

/* How a dict's keys object sizes its hash index (which decides where the
 * entries start). */
enum pyobj_keys_kind {
	PYOBJ_KEYS_SIZE = 1, /* 3.8-3.10: Py_ssize_t dk_size; index width 1/2/4/8 by size */
	PYOBJ_KEYS_LOG2 = 2, /* 3.11+: dk_log2_size, dk_log2_index_bytes, dk_kind */
};

/* Where a heap type's instances keep their attributes. */
enum pyobj_attrs_kind {
	PYOBJ_ATTRS_DICTOFFSET = 1,	/* 3.8-3.10: a __dict__ pointer at tp_dictoffset */
	PYOBJ_ATTRS_VALUES_PTR = 2,	/* 3.11: values and dict pointers before the object */
	PYOBJ_ATTRS_DICT_OR_VALUES = 3, /* 3.12: one tagged word before the object */
	PYOBJ_ATTRS_INLINE = 4, /* 3.13+: values at obj + tp_basicsize; dict pointer before */
};

/* How an int stores its sign and digit count. */
enum pyobj_long_kind {
	PYOBJ_LONG_OB_SIZE = 1, /* 3.8-3.11: ob_size = sign * ndigits */
	PYOBJ_LONG_LV_TAG = 2,	/* 3.12+: lv_tag = ndigits << nonsize_bits | sign */
};

/* Where a frame keeps its locals and how their names are listed. */
enum pyobj_locals_kind {
	PYOBJ_LOCALS_VARNAMES = 1, /* 3.8-3.10: co_varnames, co_cellvars, co_freevars */
	PYOBJ_LOCALS_KINDS = 2,	   /* 3.11+: co_localsplusnames and co_localspluskinds */
};

/* What user space needs to read plain objects of one CPython minor
 * version: sys.modules, a module's and an instance's attributes, ints.
 * Generated from each version's own headers (user/offsets_table.c, by
 * tools/gen-offsets.sh); the kernel never sees it. Offsets are bytes from
 * the start of the named struct; absent ones are PYOBJ_NO_OFFSET. */
struct py_obj_offsets {
	uint32_t version_hex; /* PY_VERSION_HEX of the minor version */
	uint8_t keys_layout;  /* enum pyobj_keys_kind */
	uint8_t attrs_layout; /* enum pyobj_attrs_kind */
	uint8_t long_layout;  /* enum pyobj_long_kind */
	uint8_t _pad0;

	/* _PyRuntimeState, PyInterpreterState */
	uint32_t runtime_interpreters_main;
	uint32_t interp_modules; /* interp->modules; 3.12+: interp->imports.modules */

	/* PyObject, PyTypeObject, PyHeapTypeObject */
	uint16_t obj_type;	       /* ob_type */
	uint16_t type_name;	       /* tp_name (const char *) */
	uint16_t type_basicsize;       /* tp_basicsize */
	uint16_t type_flags;	       /* tp_flags */
	uint16_t type_dictoffset;      /* tp_dictoffset */
	uint16_t heaptype_cached_keys; /* ht_cached_keys: the keys shared by instances */
	uint32_t tpflags_heaptype;
	uint32_t tpflags_managed_dict;	/* 3.11+; 0 before */
	uint32_t tpflags_inline_values; /* 3.13+; 0 before */
	uint32_t tpflags_long_subclass;
	uint32_t tpflags_unicode_subclass;
	uint32_t tpflags_dict_subclass;

	/* Attributes managed by the VM (3.11+): bytes before the object of
	 * the dict pointer (3.12: the dict-or-values word) and, in 3.11 only,
	 * of the values pointer. 0 when absent. */
	uint16_t preheader_dict;
	uint16_t preheader_values;
	/* 3.12: the word holds values when (word & values_tag_mask), which
	 * then start at word + values_tag_adjust. 0 otherwise. */
	uint8_t values_tag_mask;
	uint8_t values_tag_adjust;
	uint8_t _pad1[2];

	/* PyDictObject, PyDictKeysObject, its entries, PyDictValues */
	uint16_t dict_used;		/* ma_used */
	uint16_t dict_keys;		/* ma_keys */
	uint16_t dict_values;		/* ma_values: non-NULL for a split table */
	uint16_t keys_size;		/* dk_size (<=3.10) or dk_log2_size (u8) */
	uint16_t keys_log2_index_bytes; /* 3.11+ (u8) */
	uint16_t keys_kind;		/* 3.11+: dk_kind (u8) */
	uint16_t keys_nentries;		/* dk_nentries */
	uint16_t keys_indices;		/* dk_indices: the hash index, then the entries */
	uint8_t keys_kind_general;	/* 3.11+: DICT_KEYS_GENERAL (others: unicode entries) */
	uint8_t _pad2;
	uint16_t entry_size; /* PyDictKeyEntry {hash, key, value} */
	uint16_t entry_key;
	uint16_t entry_value;
	uint16_t uentry_size; /* 3.11+: PyDictUnicodeEntry {key, value} */
	uint16_t uentry_key;
	uint16_t uentry_value;
	uint16_t values_values;	  /* values[] in PyDictValues (<=3.10: ma_values is the array) */
	uint16_t values_capacity; /* 3.13+ (u8) */
	uint16_t values_valid;	  /* 3.13+ (u8): 0 once the values moved to a dict */

	/* PyLongObject */
	uint16_t long_size;   /* ob_size (<=3.11) or lv_tag */
	uint16_t long_digits; /* ob_digit */
	uint8_t long_digit_size;
	uint8_t long_shift;	    /* PyLong_SHIFT: value bits per digit */
	uint8_t long_nonsize_bits;  /* 3.12+: lv_tag bits below the digit count */
	uint8_t long_sign_mask;	    /* 3.12+ */
	uint8_t long_sign_negative; /* 3.12+: (lv_tag & sign_mask) of a negative int */
	uint8_t _pad3;

	/* str that is not compact (e.g. a str subclass's instance):
	 * PyUnicodeObject.data, a pointer to the characters. */
	uint16_t str_data;
	uint16_t _pad4;

	/* A frame's locals (user/pylocals.c). localsplus is in the frame
	 * pylocals reads: the PyFrameObject (<=3.10) or the
	 * _PyInterpreterFrame (3.11+), which a frame object points to at
	 * frameobj_frame. */
	uint8_t locals_layout;	   /* enum pyobj_locals_kind */
	uint8_t kind_hidden;	   /* 3.12+: CO_FAST_HIDDEN (else 0) */
	uint8_t kind_cell;	   /* 3.11+: CO_FAST_CELL (else 0) */
	uint8_t kind_free;	   /* 3.11+: CO_FAST_FREE (else 0) */
	uint16_t frame_localsplus; /* f_localsplus or localsplus */
	uint16_t frameobj_frame;   /* 3.11+: PyFrameObject.f_frame */
	/* A slot of localsplus (3.14+: a _PyStackRef): unbound when it
	 * equals ref_null; else a tagged int when (slot & ref_tag_mask) ==
	 * ref_int_tag (value: slot >> ref_int_shift, arithmetic); else the
	 * object at (slot & ~ref_tag_mask). 0 masks and tags before 3.14. */
	uint8_t ref_null;
	uint8_t ref_tag_mask;
	uint8_t ref_int_tag;
	uint8_t ref_int_shift;

	/* PyCodeObject: argument counts (int), flags (int), the number of
	 * locals (int: co_nlocals <=3.10, co_nlocalsplus 3.11+) and the
	 * tuples of their names (co_varnames or co_localsplusnames) */
	uint16_t code_argcount;
	uint16_t code_kwonlyargcount;
	uint16_t code_flags;
	uint16_t code_nlocals;
	uint16_t code_varnames;
	uint16_t code_cellvars; /* <=3.10 */
	uint16_t code_freevars; /* <=3.10 */
	uint16_t code_kinds;	/* 3.11+: co_localspluskinds (bytes) */
	uint16_t _pad5;
	uint32_t co_varargs;	 /* CO_VARARGS: a *args argument */
	uint32_t co_varkeywords; /* CO_VARKEYWORDS: a **kwargs argument */

	/* PyTupleObject, PyCellObject, PyFloatObject */
	uint16_t tuple_size;  /* ob_size */
	uint16_t tuple_items; /* ob_item */
	uint16_t cell_ref;    /* ob_ref */
	uint16_t float_value; /* ob_fval (double) */
	uint32_t _pad6;
};

#endif /* PYOBJ_OFFSETS_H */
