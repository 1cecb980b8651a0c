/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _TLSK_SOCKOPT_H
#define _TLSK_SOCKOPT_H

#include <linux/sockptr.h>

struct sock;

int tlsk_setsockopt(struct sock *sk, int level, int optname,
		    sockptr_t optval, unsigned int optlen);
int tlsk_getsockopt(struct sock *sk, int level, int optname,
		    char __user *optval, int __user *optlen);

#endif /* _TLSK_SOCKOPT_H */
