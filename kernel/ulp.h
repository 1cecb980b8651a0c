/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _TLSK_ULP_H
#define _TLSK_ULP_H

int tlsk_ulp_register(void);
void tlsk_ulp_unregister(void);

#endif /* _TLSK_ULP_H */
