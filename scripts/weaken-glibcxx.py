#!/usr/bin/env python3
"""Marks one GNU version requirement of a shared library weak, in place (on a copy you own).

TorchSharp 0.107's libLibTorchSharp.so requires GLIBCXX_3.4.32; Debian 12's libstdc++ stops at
3.4.30. The only symbol it uses under that version is std::ios_base_library_init(), a link-time
marker against which there is no relocation, so nothing needs it at run time. With the
requirement's VER_FLG_WEAK flag set, the dynamic loader no longer refuses the library.

    weaken-glibcxx.py LIBRARY [VERSION]      (VERSION defaults to GLIBCXX_3.4.32)

The file is rewritten through a temporary file and a rename, so a hard link (a package cache) is
never changed. Used by benchmarks/SkipNet.Peers after each build; never in `dotnet test`.
"""
import os
import struct
import sys

SHT_GNU_VERNEED = 0x6FFFFFFE
VER_FLG_WEAK = 0x2


def weaken(path, version):
    with open(path, "rb") as f:
        data = bytearray(f.read())
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        sys.exit(f"{path}: not a 64-bit little-endian ELF file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    changed = 0
    for name, kind, flags, addr, offset, size, link, info, align, entsize in sections:
        if kind != SHT_GNU_VERNEED:
            continue
        strtab = sections[link][4]
        need = offset
        for _ in range(info):
            vn_version, vn_cnt, vn_file, vn_aux, vn_next = struct.unpack_from("<HHIII", data, need)
            aux = need + vn_aux
            for _ in range(vn_cnt):
                vna_hash, vna_flags, vna_other, vna_name, vna_next = struct.unpack_from("<IHHII", data, aux)
                end = data.index(b"\0", strtab + vna_name)
                if data[strtab + vna_name : end].decode() == version and not vna_flags & VER_FLG_WEAK:
                    struct.pack_into("<H", data, aux + 4, vna_flags | VER_FLG_WEAK)
                    changed += 1
                aux += vna_next
            need += vn_next
    if changed:
        temporary = path + ".weakening"
        with open(temporary, "wb") as f:
            f.write(data)
        os.chmod(temporary, os.stat(path).st_mode)
        os.replace(temporary, path)
    print(f"{path}: {version} {'marked weak' if changed else 'already weak or not required'}")


if __name__ == "__main__":
    weaken(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "GLIBCXX_3.4.32")
