#!/usr/bin/env python3
# gen-linetable-fixtures.py: line-table fixtures from real code objects of every Python present.
"""Writes tests/unit/linetable_fixtures.h.

  tools/gen-linetable-fixtures.py [-o FILE] [PYTHON ...]

With no PYTHON given, every interpreter of the test matrix that exists is
used (pyenv 3.8 .. 3.13, Debian's python3.11, .cache/pythons/bin/python3.13 ..
3.15); missing ones are named on stderr and skipped, so re-run it once more
interpreters are installed.

Each interpreter runs this same file with --dump: it compiles SAMPLE (shapes
chosen to exercise every corner of the three table formats), walks all code
objects, and prints, per code object, the raw table and the line the
interpreter itself gives for every position a frame can record. Runs under
3.8, so no syntax newer than that.

The truth, per version, and the unit of the recorded positions (the raw
`lasti` the BPF walker stores, see user/linetable.h):
  3.8, 3.9  dis.findlinestarts(); lasti = byte offset of every instruction.
  3.10      code.co_lines();      lasti = f_lasti in code units (index i).
  3.11+     code.co_positions();  lasti = byte offset of every code unit,
            inline CACHE units included (a 3.11/3.12 caller's prev_instr
            rests on the last CACHE of its CALL).
Every value is also checked against the C API's PyCode_Addr2Line through
ctypes (the function a frame's f_lineno comes from), and on 3.11+ every
CACHE unit is checked to carry the line of the instruction that owns it; any
disagreement aborts the run rather than writing a fixture that hides it.
"""

import ctypes
import dis
import json
import os
import subprocess
import sys

# Source compiled by every interpreter. Blank-line padding is inserted where
# a line says "#PAD n" so that line deltas exceed what one table entry holds
# (lnotab: 127 / -128; PEP 626: 127 / -127).
SAMPLE_TEMPLATE = '''\
import functools


def loop(n):
    total = 0
    for i in range(n):
        if i % 3:
            total += i
        else:
            total -= 1
    while total > 100:
        total //= 2
    return total


def multiline(a, b, c):
    result = (a +
              b *
              c)
    value = max(
        a,
        b,
        c,
    )
    return result, value


def long_body(x):
    y = LONG_EXPR
    z = [y, x,
         y + x]
    return z


def jumps(a):
    b = a + 1
#PAD 200
    c = b * 2
    for i in range(a):
#PAD 300
        c += i
    d = max(
#PAD 150
        c, b)
    return d


def gen(n):
    for i in range(n):
        yield i * 2
    yield from range(3)


square = lambda v: (v *
                    v)


def deco(f):
    return f


def outer(k):
    @deco
    @functools.wraps(deco)
    def inner(m):
        return [m + k
                for _ in range(2)]
    return inner


def backwards(a):
    x = [a,
         a + 1,
         a + 2][
        0]
    return (x
            if a
            else
            a)


def trying(a):
    try:
        r = 1 / a
    except ZeroDivisionError as e:
        r = str(e)
    except (TypeError, ValueError):
        r = -1
    else:
        r += 1
    finally:
        a = 0
    return r


def withing(path):
    with open(path) as fh:
        return fh.read()


class Klass:
    attr = 1

    def method(self):
        return {x: self.attr for x in range(3)}


async def coro(x):
    await x
    async for y in x:
        pass
    return y
'''


def sample_source():
    long_expr = ' + '.join('x * %d' % k for k in range(2, 122))
    out = []
    for line in SAMPLE_TEMPLATE.replace('LONG_EXPR', long_expr).split('\n'):
        if line.startswith('#PAD '):
            out.extend([''] * int(line.split()[1]))
        else:
            out.append(line)
    return '\n'.join(out)


def addr2line_api():
    """PyCode_Addr2Line from the running interpreter, or None."""
    try:
        fn = ctypes.pythonapi.PyCode_Addr2Line
    except (AttributeError, OSError):
        return None
    fn.argtypes = [ctypes.py_object, ctypes.c_int]
    fn.restype = ctypes.c_int
    return fn


def truth_lnotab(co):
    """3.8/3.9: line at each instruction's byte offset (step 2)."""
    starts = list(dis.findlinestarts(co))
    lines = []
    for off in range(0, len(co.co_code), 2):
        line = co.co_firstlineno
        for start, ln in starts:
            if start <= off:
                line = ln
        lines.append(line)
    return bytes(co.co_lnotab), 2, lines, [off for off in range(0, len(co.co_code), 2)]


def truth_pep626(co):
    """3.10: line per code unit; lasti counts code units (step 1)."""
    n = len(co.co_code) // 2
    lines = [-1] * n
    for start, end, ln in co.co_lines():
        for off in range(start, end, 2):
            lines[off // 2] = -1 if ln is None else ln
    return bytes(co.co_linetable), 1, lines, [2 * i for i in range(n)]


def cache_owners(co):
    """3.11+: {cache byte offset: owning instruction byte offset}."""
    owners = {}
    insts = [i for i in dis.get_instructions(co) if i.opname != 'CACHE']
    for k, ins in enumerate(insts):
        end = insts[k + 1].offset if k + 1 < len(insts) else len(co.co_code)
        for off in range(ins.offset + 2, end, 2):
            owners[off] = ins.offset
    return owners


def truth_locations(co):
    """3.11+: line per code unit, CACHE units included; lasti in bytes (step 2)."""
    lines = [-1 if p[0] is None else p[0] for p in co.co_positions()]
    if len(lines) != len(co.co_code) // 2:
        raise SystemExit('%s: co_positions() gave %d entries for %d code units'
                         % (co.co_name, len(lines), len(co.co_code) // 2))
    for cache, owner in cache_owners(co).items():
        if lines[cache // 2] != lines[owner // 2]:
            raise SystemExit('%s: CACHE at %d has line %d, its instruction at %d has %d'
                             % (co.co_name, cache, lines[cache // 2], owner,
                                lines[owner // 2]))
    return bytes(co.co_linetable), 2, lines, [2 * i for i in range(len(lines))]


def code_objects(co):
    yield co
    for c in co.co_consts:
        if hasattr(c, 'co_code'):
            for sub in code_objects(c):
                yield sub


def dump():
    v = sys.version_info
    if v < (3, 8):
        raise SystemExit('Python %d.%d is not supported' % v[:2])
    if v < (3, 10):
        truth = truth_lnotab
    elif v < (3, 11):
        truth = truth_pep626
    else:
        truth = truth_locations
    addr2line = addr2line_api()
    top = compile(sample_source(), '<fixture>', 'exec')
    out = []
    for co in code_objects(top):
        table, step, lines, addrs = truth(co)
        if addr2line is not None:
            for i, (addr, want) in enumerate(zip(addrs, lines)):
                got = addr2line(co, addr)
                if got != want:
                    raise SystemExit('%s: lasti %d: PyCode_Addr2Line says %d, %s says %d'
                                     % (co.co_name, i * step, got, truth.__name__, want))
        out.append({
            'name': getattr(co, 'co_qualname', co.co_name),
            'firstlineno': co.co_firstlineno,
            'table': table.hex(),
            'step': step,
            'lines': lines,
        })
    json.dump({
        'version': '%d.%d.%d%s' % (v[0], v[1], v[2],
                                   '' if v[3] == 'final' else v[3][0] + str(v[4])),
        'hexversion': sys.hexversion,
        'addr2line_checked': addr2line is not None,
        'code': out,
    }, sys.stdout)


def default_pythons(repo):
    try:
        root = subprocess.check_output(['pyenv', 'root'], universal_newlines=True).strip()
    except (OSError, subprocess.CalledProcessError):
        root = os.environ.get('PYENV_ROOT', os.path.expanduser('~/.pyenv'))
    found = []
    for ver in ('3.8.18', '3.9.18', '3.10.13', '3.11.7', '3.12.1', '3.13.0'):
        found.append(('pyenv', os.path.join(root, 'versions', ver, 'bin', 'python3')))
    found.append(('debian', '/usr/bin/python3.11'))
    for ver in ('3.13', '3.14', '3.15'):
        found.append(('sid', os.path.join(repo, '.cache', 'pythons', 'bin', 'python' + ver)))
    return found


def c_bytes(data):
    rows = []
    for i in range(0, len(data), 16):
        rows.append('\t' + ' '.join('0x%02x,' % b for b in data[i:i + 16]))
    return '\n'.join(rows) if rows else '\t0'


def c_ints(vals):
    rows, row = [], []
    for v in vals:
        row.append('%d,' % v)
        if len(row) == 16:
            rows.append('\t' + ' '.join(row))
            row = []
    if row:
        rows.append('\t' + ' '.join(row))
    return '\n'.join(rows) if rows else '\t0'


def ident(s):
    return ''.join(c if c.isalnum() else '_' for c in s)


def write_header(path, dumps):
    seen = {}
    body, entries, sources = [], [], []
    for origin, d in dumps:
        minor = d['hexversion'] >> 16
        kept = skipped = 0
        for k, co in enumerate(d['code']):
            # Two builds of one minor version mostly emit identical tables:
            # keep one copy, the header says which builds agreed.
            key = (minor, co['firstlineno'], co['table'], tuple(co['lines']))
            if key in seen:
                skipped += 1
                continue
            seen[key] = True
            kept += 1
            sym = 'lt_%s_%s_%d' % (ident(d['version']), ident(co['name']), k)
            tab = bytes.fromhex(co['table'])
            body.append('static const uint8_t %s_tab[] = {\n%s\n};\n' % (sym, c_bytes(tab)))
            body.append('static const int32_t %s_lines[] = {\n%s\n};\n'
                        % (sym, c_ints(co['lines'])))
            entries.append('\t{ 0x%08x, "%s %s", %d, %s_tab, %d, %d, %s_lines, %d },'
                           % (d['hexversion'], d['version'], co['name'], co['firstlineno'],
                              sym, len(tab), co['step'], sym, len(co['lines'])))
        sources.append(' *   %-8s %-7s %2d code objects, %2d identical to an earlier build%s'
                       % (d['version'], origin, kept + skipped, skipped,
                          '' if d['addr2line_checked'] else
                          ' [PyCode_Addr2Line not reachable: not cross-checked]'))
    with open(path, 'w') as f:
        f.write('/* linetable_fixtures.h: line tables and lines of real code objects '
                '(generated; do not edit). */\n')
        f.write('/*\n * Regenerate: tools/gen-linetable-fixtures.py '
                '(runs every interpreter present).\n')
        f.write(' * Each entry: the raw table (co_lnotab <= 3.9, co_linetable >= 3.10) and the\n'
                ' * line the interpreter gives at lasti = i * lasti_step for every i < nlines,\n'
                ' * in the units of struct ph_frame.lasti: bytes on <= 3.9 and >= 3.11, code\n'
                ' * units on 3.10. -1 means "no line". Only test_linetable.c includes this.\n'
                ' *\n * Interpreters:\n')
        f.write('\n'.join(sources) + '\n */\n')
        f.write('#ifndef LINETABLE_FIXTURES_H\n#define LINETABLE_FIXTURES_H\n\n')
        f.write('#include <stddef.h>\n#include <stdint.h>\n\n')
        f.write('struct lt_fixture {\n\tuint32_t version_hex;\n\tconst char *name;\n'
                '\tint firstlineno;\n\tconst uint8_t *tab;\n\tsize_t tablen;\n'
                '\tint32_t lasti_step;\n\tconst int32_t *lines;\n\tsize_t nlines;\n};\n\n')
        f.write('\n'.join(body))
        f.write('\nstatic const struct lt_fixture lt_fixtures[] = {\n')
        f.write('\n'.join(entries))
        f.write('\n};\n\n#endif /* LINETABLE_FIXTURES_H */\n')


def main():
    args = sys.argv[1:]
    if args == ['--dump']:
        dump()
        return
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = os.path.join(repo, 'tests', 'unit', 'linetable_fixtures.h')
    if len(args) >= 2 and args[0] == '-o':
        out = args[1]
        args = args[2:]
    pythons = [('given', p) for p in args] or default_pythons(repo)
    dumps = []
    for origin, py in pythons:
        if not os.access(py, os.X_OK):
            sys.stderr.write('  skip %s (not installed)\n' % py)
            continue
        res = subprocess.run([py, os.path.abspath(__file__), '--dump'],
                             stdout=subprocess.PIPE, universal_newlines=True)
        if res.returncode != 0:
            raise SystemExit('Error: %s failed (see above); no fixtures written' % py)
        d = json.loads(res.stdout)
        sys.stderr.write('  %-8s %s (%d code objects)\n' % (d['version'], py, len(d['code'])))
        dumps.append((origin, d))
    if not dumps:
        raise SystemExit('Error: no interpreter found; pass one as an argument')
    write_header(out, dumps)
    sys.stderr.write('  wrote %s (%d bytes)\n' % (out, os.path.getsize(out)))


if __name__ == '__main__':
    main()
