cmd_/work/main/modules.order := {   cat /work/main/kernel/modules.order; :; } > /work/main/modules.order
