// SPDX-License-Identifier: GPL-2.0
/*
 * libvirt lookups over a read-only connection: domain id, name or UUID to
 * the name/UUID that the QEMU command line carries.  Without libvirt at
 * build time these are stubs and --vm accepts pid:N and QEMU -name/-uuid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vm_find.h"

#ifdef HAVE_LIBVIRT
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

const bool libvirt_available = true;

static void quiet_errors(void *data, virErrorPtr err)
{
	(void)data;
	(void)err;
}

static virConnectPtr lv_open(void)
{
	virSetErrorFunc(NULL, quiet_errors);
	return virConnectOpenReadOnly(NULL);
}

static virDomainPtr lv_find(virConnectPtr c, const char *spec)
{
	virDomainPtr d = NULL;
	u64 id;

	if (!parse_u64(spec, &id) && id <= 0x7fffffff)
		d = virDomainLookupByID(c, (int)id);
	if (!d)
		d = virDomainLookupByName(c, spec);
	if (!d && strlen(spec) == 36)
		d = virDomainLookupByUUIDString(c, spec);
	return d;
}

int libvirt_lookup(const char *spec, char *name, size_t nlen, char *uuid,
		   size_t ulen)
{
	char ustr[VIR_UUID_STRING_BUFLEN];
	virConnectPtr c = lv_open();
	virDomainPtr d;
	int ret = -1;

	if (!c)
		return -1;
	d = lv_find(c, spec);
	if (d) {
		snprintf(name, nlen, "%s", virDomainGetName(d));
		if (!virDomainGetUUIDString(d, ustr))
			snprintf(uuid, ulen, "%s", ustr);
		virDomainFree(d);
		ret = 0;
	}
	virConnectClose(c);
	return ret;
}

void libvirt_annotate(struct vm_info *vms, size_t n)
{
	char ustr[VIR_UUID_STRING_BUFLEN];
	virConnectPtr c = lv_open();
	virDomainPtr *doms = NULL;
	int nd, i;
	size_t j;

	if (!c)
		return;
	nd = virConnectListAllDomains(c, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	for (i = 0; i < nd; i++) {
		const char *nm = virDomainGetName(doms[i]);

		if (virDomainGetUUIDString(doms[i], ustr))
			ustr[0] = '\0';
		for (j = 0; j < n; j++)
			if ((nm && !strcmp(vms[j].name, nm)) ||
			    (ustr[0] && !strcasecmp(vms[j].uuid, ustr)))
				vms[j].libvirt_id = (int)virDomainGetID(doms[i]);
		virDomainFree(doms[i]);
	}
	free(doms);
	virConnectClose(c);
}
#else
const bool libvirt_available;

int libvirt_lookup(const char *spec, char *name, size_t nlen, char *uuid,
		   size_t ulen)
{
	(void)spec;
	(void)name;
	(void)nlen;
	(void)uuid;
	(void)ulen;
	return -1;
}

void libvirt_annotate(struct vm_info *vms, size_t n)
{
	(void)vms;
	(void)n;
}
#endif
