cmd_/work/main/kernel/modules.order := {   echo /work/main/kernel/tlsk.ko; :; } > /work/main/kernel/modules.order
