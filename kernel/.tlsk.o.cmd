cmd_/work/main/kernel/tlsk.o := ld -m elf_x86_64 -z noexecstack --no-warn-rwx-segments   -r -o /work/main/kernel/tlsk.o @/work/main/kernel/tlsk.mod 
