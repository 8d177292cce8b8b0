#!/usr/bin/env python3
"""Turn a freestanding riscv64 ELF program into a bFLT (revision 4) file.

    elf2flt.py [--stack N] [--flags N] [--page-size N] IN.elf OUT.flt

Only the simplest kind of program is accepted, the kind a no-MMU kernel can
run with its text straight from flash: one loadable block, readable and
executable, linked at address 0 with the first 64 bytes left for the header
(so a link address is a file offset), no writable data, no .bss, and only
PC-relative relocations (link with -Wl,-q so they are kept and can be
checked).  Anything else is refused with the reason, rather than converted
into a file that would crash or run with its text in RAM:
  - not a 64-bit little-endian RISC-V executable;
  - more than one PT_LOAD, a PT_LOAD that is writable, not at 0, or larger
    in memory than in the file (bss);
  - an allocated section that is writable, NOBITS, or outside the block;
  - a relocation in the block that is not PC-relative, or a PC-relative one
    against a symbol outside the block (undefined, absolute, another section).

The header: "bFLT", rev 4, entry (the ELF entry point), data_start = data_end
= bss_end = reloc_start = the length of header and text, stack_size (--stack,
default 8192), reloc_count 0, flags (--flags, default 0; e.g. 0x1
FLAT_FLAG_RAM to make the kernel copy the text to RAM, 0x10 FLAT_FLAG_KTRACE
to make it log the mapping), the rest zero; all fields big-endian.

The file is padded with zeros after the text so that its size is not a
multiple of --page-size (default 4096): mkcramfs stores the last page of a
page-multiple file behind a classic pointer (its work-around for the
kernel's last-page read bug), which would break the direct run of the text.
The kernel reads nothing past data_start for such a program (no data, no
relocations), so the padding is never loaded.
"""
import argparse
import struct
import sys

HEADER_SIZE = 64
EM_RISCV = 243
ET_EXEC = 2
PT_LOAD = 1
PF_X, PF_W, PF_R = 1, 2, 4
SHT_NOBITS = 8
SHT_RELA = 4
SHT_REL = 9
SHF_WRITE, SHF_ALLOC = 0x1, 0x2
SHN_UNDEF, SHN_ABS = 0, 0xFFF1

# RISC-V relocations whose value depends only on the distance between the
# place and the target: right wherever the block is loaded, as long as both
# are in it.  R_RISCV_PCREL_LO12_* name the auipc they pair with; ALIGN and
# RELAX are markers for the linker, not relocations of the output.
PC_RELATIVE = {
    16: "R_RISCV_BRANCH", 17: "R_RISCV_JAL", 18: "R_RISCV_CALL", 19: "R_RISCV_CALL_PLT",
    23: "R_RISCV_PCREL_HI20", 24: "R_RISCV_PCREL_LO12_I", 25: "R_RISCV_PCREL_LO12_S",
    44: "R_RISCV_RVC_BRANCH", 45: "R_RISCV_RVC_JUMP", 57: "R_RISCV_32_PCREL",
}
MARKERS = {43: "R_RISCV_ALIGN", 51: "R_RISCV_RELAX"}
PAIRED_LO12 = (24, 25)
NAMES = {
    1: "R_RISCV_32", 2: "R_RISCV_64", 3: "R_RISCV_RELATIVE", 5: "R_RISCV_JUMP_SLOT",
    20: "R_RISCV_GOT_HI20", 26: "R_RISCV_HI20", 27: "R_RISCV_LO12_I", 28: "R_RISCV_LO12_S",
    33: "R_RISCV_ADD8", 34: "R_RISCV_ADD16", 35: "R_RISCV_ADD32", 36: "R_RISCV_ADD64",
    37: "R_RISCV_SUB8", 38: "R_RISCV_SUB16", 39: "R_RISCV_SUB32", 40: "R_RISCV_SUB64",
}


class Refused(Exception):
    pass


def cstr(blob, off):
    end = blob.index(b"\0", off)
    return blob[off:end].decode(errors="replace")


def convert(elf, stack, flags, page_size):
    if elf[:4] != b"\x7fELF":
        raise Refused("not an ELF file")
    if elf[4] != 2 or elf[5] != 1:
        raise Refused("not a 64-bit little-endian ELF file (class %d, data %d)" % (elf[4], elf[5]))
    (e_type, e_machine, _, e_entry, e_phoff, e_shoff, _, _, e_phentsize, e_phnum,
     e_shentsize, e_shnum, e_shstrndx) = struct.unpack_from("<HHIQQQIHHHHHH", elf, 16)
    if e_machine != EM_RISCV:
        raise Refused("machine %d is not RISC-V (%d)" % (e_machine, EM_RISCV))
    if e_type != ET_EXEC:
        raise Refused("not a static executable (e_type %d): link with -static -no-pie" % e_type)

    loads = []
    for i in range(e_phnum):
        p_type, p_flags, p_offset, p_vaddr, _, p_filesz, p_memsz, _ = struct.unpack_from(
            "<IIQQQQQQ", elf, e_phoff + i * e_phentsize)
        if p_type == PT_LOAD:
            loads.append((p_flags, p_offset, p_vaddr, p_filesz, p_memsz))
    if len(loads) != 1:
        raise Refused("%d PT_LOAD segments: only one read+exec block can stay in place" % len(loads))
    p_flags, p_offset, p_vaddr, p_filesz, p_memsz = loads[0]
    if p_flags & PF_W or p_flags & (PF_R | PF_X) != PF_R | PF_X:
        raise Refused("the PT_LOAD segment is %s%s%s, not r-x" % (
            "r" if p_flags & PF_R else "-", "w" if p_flags & PF_W else "-", "x" if p_flags & PF_X else "-"))
    if p_vaddr != 0:
        raise Refused("the block is linked at %#x, not 0 (the linker script puts the header at 0)" % p_vaddr)
    if p_memsz != p_filesz:
        raise Refused("the block is %d bytes in memory but %d in the file: .bss is not allowed" % (
            p_memsz, p_filesz))
    if p_filesz <= HEADER_SIZE:
        raise Refused("the block holds no code after the %d-byte header space" % HEADER_SIZE)
    text = bytearray(elf[p_offset:p_offset + p_filesz])
    if any(text[:HEADER_SIZE]):
        raise Refused("the first %d bytes of the block are not free for the header" % HEADER_SIZE)
    if not HEADER_SIZE <= e_entry < p_filesz:
        raise Refused("the entry point %#x is outside the block" % e_entry)

    sections = []
    for i in range(e_shnum):
        sections.append(struct.unpack_from("<IIQQQQIIQQ", elf, e_shoff + i * e_shentsize))
    shstr = sections[e_shstrndx]
    strtab_blob = elf[shstr[4]:shstr[4] + shstr[5]]

    def name_of(i):
        return cstr(strtab_blob, sections[i][0]) or "section %d" % i

    block = None
    for i, (_, sh_type, sh_flags, sh_addr, _, sh_size, _, _, _, _) in enumerate(sections):
        if not sh_flags & SHF_ALLOC or sh_size == 0:
            continue
        name = name_of(i)
        if sh_flags & SHF_WRITE:
            raise Refused("section %s is writable: keep all mutable state on the stack" % name)
        if sh_type == SHT_NOBITS:
            raise Refused("section %s takes no file space (.bss): not allowed" % name)
        if sh_addr + sh_size > p_filesz:
            raise Refused("section %s (%#x+%#x) is outside the block" % (name, sh_addr, sh_size))
        if block is None or sh_addr <= e_entry < sh_addr + sh_size:
            block = i

    relocs = 0
    for i, (_, sh_type, _, _, sh_offset, sh_size, sh_link, sh_info, _, sh_entsize) in enumerate(sections):
        if sh_type == SHT_REL:
            raise Refused("REL relocations in %s: RISC-V uses RELA" % name_of(i))
        if sh_type != SHT_RELA:
            continue
        target = sections[sh_info]
        if not target[2] & SHF_ALLOC:
            continue        # debug information and the like: never loaded
        symtab = sections[sh_link]
        symstr = sections[symtab[6]]
        symstr_blob = elf[symstr[4]:symstr[4] + symstr[5]]
        for k in range(sh_size // sh_entsize):
            r_offset, r_info, _ = struct.unpack_from("<QQq", elf, sh_offset + k * sh_entsize)
            r_type, r_sym = r_info & 0xFFFFFFFF, r_info >> 32
            if r_type in MARKERS:
                continue
            st_name, _, _, st_shndx, st_value, _ = struct.unpack_from(
                "<IBBHQQ", elf, symtab[4] + r_sym * symtab[9])
            sym = cstr(symstr_blob, st_name) if st_name else (
                name_of(st_shndx) if 0 < st_shndx < len(sections) else "symbol %d" % r_sym)
            where = "%s+%#x" % (name_of(sh_info), r_offset - target[3])
            if r_type not in PC_RELATIVE:
                raise Refused("relocation %s at %s against %s is not PC-relative: the code would "
                              "depend on where it is loaded" % (
                                  NAMES.get(r_type, "type %d" % r_type), where, sym))
            if r_type in PAIRED_LO12:
                continue    # its symbol is the auipc it pairs with, checked there
            if st_shndx == SHN_UNDEF:
                raise Refused("%s at %s refers to the undefined symbol %s" % (
                    PC_RELATIVE[r_type], where, sym))
            if st_shndx >= len(sections) or st_shndx == SHN_ABS:
                raise Refused("%s at %s refers to %s, which is not in the block" % (
                    PC_RELATIVE[r_type], where, sym))
            sec = sections[st_shndx]
            if not sec[2] & SHF_ALLOC or sec[3] + sec[5] > p_filesz:
                raise Refused("%s at %s refers to %s in %s, outside the block" % (
                    PC_RELATIVE[r_type], where, sym, name_of(st_shndx)))
            relocs += 1
    if block is None:
        raise Refused("no allocated section holds the code")

    length = p_filesz
    header = struct.pack(">4sIIIIIIIII", b"bFLT", 4, e_entry, length, length, length, stack,
                         length, 0, flags)
    text[:len(header)] = header
    out = bytes(text)
    if len(out) % page_size == 0:
        out += bytes(8)
    return out, relocs


def main():
    ap = argparse.ArgumentParser(description="Convert a freestanding riscv64 ELF program to bFLT v4.")
    ap.add_argument("--stack", type=lambda s: int(s, 0), default=8192, help="stack size (default 8192)")
    ap.add_argument("--flags", type=lambda s: int(s, 0), default=0,
                    help="header flags (0x1 FLAT_FLAG_RAM, 0x10 FLAT_FLAG_KTRACE; default 0)")
    ap.add_argument("--page-size", type=int, default=4096,
                    help="the file size must not be a multiple of this (default 4096)")
    ap.add_argument("elf")
    ap.add_argument("out")
    args = ap.parse_args()
    with open(args.elf, "rb") as f:
        elf = f.read()
    try:
        out, relocs = convert(elf, args.stack, args.flags, args.page_size)
    except Refused as e:
        sys.exit("elf2flt: %s: %s" % (args.elf, e))
    except (struct.error, IndexError, ValueError) as e:
        sys.exit("elf2flt: %s: malformed ELF file (%s)" % (args.elf, e))
    with open(args.out, "wb") as f:
        f.write(out)
    text_len = struct.unpack_from(">I", out, 12)[0]
    print("elf2flt: %s: %d bytes of header and text, %d PC-relative relocations checked, "
          "file %d bytes, flags %#x" % (args.out, text_len, relocs, len(out), args.flags), file=sys.stderr)


if __name__ == "__main__":
    main()
