/work/main/kernel/main.o
/work/main/kernel/ulp.o
