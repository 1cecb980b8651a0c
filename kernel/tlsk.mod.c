#include <linux/module.h>
#define INCLUDE_VERMAGIC
#include <linux/build-salt.h>
#include <linux/elfnote-lto.h>
#include <linux/export-internal.h>
#include <linux/vermagic.h>
#include <linux/compiler.h>

BUILD_SALT;
BUILD_LTO_INFO;

MODULE_INFO(vermagic, VERMAGIC_STRING);
MODULE_INFO(name, KBUILD_MODNAME);

__visible struct module __this_module
__section(".gnu.linkonce.this_module") = {
	.name = KBUILD_MODNAME,
	.init = init_module,
#ifdef CONFIG_MODULE_UNLOAD
	.exit = cleanup_module,
#endif
	.arch = MODULE_ARCH_INIT,
};

#ifdef CONFIG_RETPOLINE
MODULE_INFO(retpoline, "Y");
#endif


static const struct modversion_info ____versions[]
__used __section("__versions") = {
	{ 0x2bfba1a6, "tcp_recvmsg" },
	{ 0x51a511eb, "_raw_write_lock_bh" },
	{ 0x8fe81a7b, "tcp_close" },
	{ 0xe7ab1ecc, "_raw_write_unlock_bh" },
	{ 0xbdfb6dbb, "__fentry__" },
	{ 0x65487097, "__x86_indirect_thunk_rax" },
	{ 0x92997ed8, "_printk" },
	{ 0x62688fc6, "tcp_unregister_ulp" },
	{ 0x4dfa8d4b, "mutex_lock" },
	{ 0x645c2937, "lock_sock_nested" },
	{ 0x5b8239ca, "__x86_return_thunk" },
	{ 0xe2d5255a, "strcmp" },
	{ 0xb5511ce8, "tcp_register_ulp" },
	{ 0xbaf22757, "kvfree_call_rcu" },
	{ 0x3213f038, "mutex_unlock" },
	{ 0x606e9d01, "kmalloc_trace" },
	{ 0xebc757d0, "tcp_prot" },
	{ 0x7a7caba8, "kmalloc_caches" },
	{ 0xadcc25da, "release_sock" },
	{ 0x9060323f, "module_layout" },
};

MODULE_INFO(depends, "");

