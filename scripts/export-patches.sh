#!/usr/bin/env bash
# Regenerate patches/ from the commits on top of "base" in $KSRC: a
# format-patch series with a cover letter, and the quilt series file.
# The cover letter's text is kept in patches/cover-letter.txt (subject on
# the first line, body after a blank line) and merged in here.  What goes
# below a patch's "---" (version notes, reviewer notes such as checkpatch
# remarks), which git am drops, is kept in patches/notes/NAME.txt, NAME
# being the patch's file name without its number, and put back here.
. "$(dirname "$0")/lib.sh"

out=$TOP/patches
n=$(git -C "$KSRC" rev-list --count base..HEAD)
[ "$n" -gt 0 ] || die "no commits on top of base in $KSRC"

rm -f "$out"/*.patch
# RFC until the VMX hook and a hardware PMU have a Tested-by on hardware.
# To the KVM x86 maintainers and list; the ring-buffer, perf and sched
# maintainers are Cc:'d in the patches that touch their code (trailers).
git -C "$KSRC" format-patch -q --no-signature --cover-letter --base=base \
	--zero-commit --subject-prefix="RFC PATCH v2" \
	--to="Sean Christopherson <seanjc@google.com>" \
	--to="Paolo Bonzini <pbonzini@redhat.com>" \
	--cc="kvm@vger.kernel.org" --cc="linux-kernel@vger.kernel.org" \
	-o "$out" base..HEAD
for p in "$out"/[0-9]*.patch; do
	name=$(basename "$p" .patch)
	notes=$out/notes/${name#[0-9][0-9][0-9][0-9]-}.txt
	[ -f "$notes" ] || continue
	awk -v notes="$notes" '
		!done && $0 == "---" {
			print
			while ((getline line < notes) > 0)
				print line
			print ""
			done = 1
			next
		}
		{ print }' "$p" >"$p.new"
	mv "$p.new" "$p"
done
cover=$(ls "$out"/0000-cover-letter.patch)
if [ -f "$out/cover-letter.txt" ]; then
	subject=$(sed -n 1p "$out/cover-letter.txt")
	body=$(sed -n '3,$p' "$out/cover-letter.txt")
	awk -v subject="$subject" -v body="$body" '
		/^Subject: / { sub(/\*\*\* SUBJECT HERE \*\*\*/, subject) }
		/^\*\*\* BLURB HERE \*\*\*$/ { print body; next }
		{ print }' "$cover" >"$cover.new"
	mv "$cover.new" "$cover"
fi
(cd "$out" && ls [0-9]*.patch | grep -v '^0000-cover-letter' >series)
log "exported $n patches to patches/"
# The exported series is exactly HEAD: record that, so that kernel-tree.sh
# sees the tree as in sync with patches/.
"$(dirname "$0")/kernel-tree.sh" --mark-synced
