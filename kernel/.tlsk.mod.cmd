cmd_/work/main/kernel/tlsk.mod := printf '%s\n'   main.o ulp.o | awk '!x[$$0]++ { print("/work/main/kernel/"$$0) }' > /work/main/kernel/tlsk.mod
