// SPDX-License-Identifier: GPL-2.0
/*
 * The libvirt calls of record/vm_libvirt.c, loading libvirt.so.0 on the
 * first one.  Linked at build time, libvirt brings 56 more libraries (glib,
 * gnutls, libxml2, ICU, curl, krb5...) into every run of vmprofctl: 50 ms
 * of mapping and relocation before main() warm, over 100 ms on a cold page
 * cache, which is a third of a 1M-sample report and more than all of
 * "list" or "status".  Only --vm by a libvirt name and "list" ask libvirt
 * anything, so only they pay for it now.
 *
 * Each function here has the prototype of libvirt's header (a mismatch does
 * not compile) and calls libvirt's own, looked up once by dlsym().  Without
 * libvirt.so.0 at run time, the connection fails as it does without a
 * running libvirtd, and the lookups fall back to /proc as without libvirt.
 */
#ifdef HAVE_LIBVIRT
#include <dlfcn.h>
#include <stddef.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "util.h"

#define LIBVIRT_SONAME "libvirt.so.0"

static void *libvirt_sym(const char *name)
{
	static void *handle;
	static bool tried;

	if (!tried) {
		tried = true;
		handle = dlopen(LIBVIRT_SONAME, RTLD_NOW | RTLD_LOCAL);
		if (!handle)
			pr_warn("cannot load %s (%s); libvirt domain names are not looked up",
				LIBVIRT_SONAME, dlerror());
	}
	return handle ? dlsym(handle, name) : NULL;
}

/* ret name(params): fn(args) once found, else fail. */
#define LIBVIRT_CALL(ret, fail, name, params, args)			\
ret name params								\
{									\
	static ret (*fn) params;					\
									\
	if (!fn)							\
		fn = (ret (*) params)libvirt_sym(#name);		\
	return fn ? fn args : fail;					\
}

void virSetErrorFunc(void *data, virErrorFunc handler)
{
	static void (*fn)(void *, virErrorFunc);

	if (!fn)
		fn = (void (*)(void *, virErrorFunc))libvirt_sym("virSetErrorFunc");
	if (fn)
		fn(data, handler);
}

LIBVIRT_CALL(virConnectPtr, NULL, virConnectOpenReadOnly,
	     (const char *name), (name))
LIBVIRT_CALL(int, -1, virConnectClose, (virConnectPtr c), (c))
LIBVIRT_CALL(int, -1, virConnectListAllDomains,
	     (virConnectPtr c, virDomainPtr **doms, unsigned int flags),
	     (c, doms, flags))
LIBVIRT_CALL(virDomainPtr, NULL, virDomainLookupByID,
	     (virConnectPtr c, int id), (c, id))
LIBVIRT_CALL(virDomainPtr, NULL, virDomainLookupByName,
	     (virConnectPtr c, const char *name), (c, name))
LIBVIRT_CALL(virDomainPtr, NULL, virDomainLookupByUUIDString,
	     (virConnectPtr c, const char *uuid), (c, uuid))
LIBVIRT_CALL(const char *, NULL, virDomainGetName, (virDomainPtr d), (d))
LIBVIRT_CALL(int, -1, virDomainGetUUIDString, (virDomainPtr d, char *buf),
	     (d, buf))
LIBVIRT_CALL(unsigned int, (unsigned int)-1, virDomainGetID,
	     (virDomainPtr d), (d))
LIBVIRT_CALL(int, -1, virDomainFree, (virDomainPtr d), (d))
#endif
