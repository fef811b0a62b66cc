#!/bin/sh
# Sourced-free helper of daemon.sh: every example of ipseckey(1M) and
# ipseckey(8), run as the man pages run them (shell arguments, the
# interactive mode, a -f file) against the private pfkeyd, printing a
# transcript on standard output.
#
#   man_live.sh IPSECKEY DIR OPTS ME YOU PEER MCAST ME6 YOU6
#
# OPTS is "-n" (numeric addresses given) or "" (names given, resolved in
# the caller's private hosts file).  DIR is a private directory for files.
IK=$1 D=$2 O=$3 ME=$4 YOU=$5 PEER=$6 MC=$7 ME6=$8 YOU6=$9

run() {
	echo "\$ ipseckey $*"
	# shellcheck disable=SC2086
	"$IK" $O "$@" 2>&1
	echo "exit $?"
}

# ipseckey> ... lines given on standard input (plain reading: no pty).
inter() {
	echo "\$ ipseckey <<EOF"
	cat > "$D/inter.in"
	sed 's/^/> /' "$D/inter.in"
	# shellcheck disable=SC2086
	"$IK" $O < "$D/inter.in" 2>&1
	echo "exit $?"
}

echo "# Example 1: emptying out all SAs"
run flush
echo "# Example 7: adding or updating SAs (interactive)"
inter <<EOI
add ah spi 0x90125 src $ME dst $YOU \\
	authalg md5 authkey 1234567890abcdef1234567890abcdef
update ah spi 0x90125 dst $YOU hard_bytes \\
	16000000
exit
EOI
echo "# Example 7: two SAs linked as a pair (SunOS text: both SAs have the"
echo "# same source and destination, so the pairing fails and the second SA"
echo "# is removed)"
inter <<EOI
add esp spi 0x2345 src $ME dst $YOU \\
   authalg md5 authkey bde359723576fdea08e56cbe876e24ad \\
   encralg des encrkey be02938e7def2839
add esp spi 0x5432 src $ME dst $YOU \\
   authalg md5 authkey bde359723576fdea08e56cbe876e24ad \\
   encralg des encrkey be02938e7def2839 pair-spi 0x2345
exit
EOI
echo "# Example 7 (Solaris 11): the same with sha1 and aes, as printed (the"
echo "# pair-spi value is missing), then with the addresses of the second SA"
echo "# swapped, which pairs them"
run flush esp
inter <<EOI
add esp spi 0x2345 src $ME dst $YOU \\
   authalg sha1 authkey d3b3be95dd3d688086d06c67c5e28482943142c9 \\
   encralg aes encrkey be11a84eb75255e0d3add0c0cd9c5315
add esp spi 0x5432 src $ME dst $YOU \\
   authalg sha1 authkey d3b3be95dd3d688086d06c67c5e28482943142c9 \\
   encralg aes encrkey be11a84eb75255e0d3add0c0cd9c5315 pair-spi
add esp spi 0x5432 src $YOU dst $ME \\
   authalg sha1 authkey d3b3be95dd3d688086d06c67c5e28482943142c9 \\
   encralg aes encrkey be11a84eb75255e0d3add0c0cd9c5315 pair-spi 0x2345
exit
EOI
echo "# Example 8: an SA in the opposite direction"
inter <<EOI
add ah spi 0x2112 src $YOU dst $ME \\
	  authalg md5 authkey bde359723576fdea08e56cbe876e24ad \\
	  hard_bytes 16000000
exit
EOI
echo "# Example 6: getting information on an SA"
inter <<EOI
add ah spi 0x5150 src $ME dst $PEER authalg sha1 \\
	authkey d3b3be95dd3d688086d06c67c5e28482943142c9
EOI
run get ah spi 0x5150 dst "$PEER"
echo "# Example 3: saving all SAs to standard output"
run save all
echo "# Example 4: saving ESP SAs to a file"
run save esp "$D/snapshot"
echo "mode $(stat -c %a "$D/snapshot")"
cat "$D/snapshot"
echo "# Example 2: flushing out AH SAs only"
run flush ah
run dump
echo "# Example 10: commands in a file"
cat > "$D/ex10" <<EOI
# This is a sample file for flushing out the ESP table and
# adding a pair of SAs.

flush esp

### Watch out!	 I have keying material in this file.  See the
### SECURITY section in this manual page for why this can be
### dangerous .

add esp spi 0x2112 src $ME dst $YOU \\
    authalg md5 authkey bde359723576fdea08e56cbe876e24ad \\
    encralg des encrkey be02938e7def2839 hard_usetime 28800
add esp spi 0x5150 src $YOU dst $ME \\
    authalg md5 authkey 930987dbe09743ade09d92b4097d9e93 \\
    encralg des encrkey 8bd4a52e10127deb hard_usetime 28800

## End of file	 -  This is a gratuitous comment
EOI
chmod 600 "$D/ex10"
run -f "$D/ex10"
run dump esp
echo "# Example 10 (Solaris 11)"
cat > "$D/ex10b" <<EOI
flush esp
add esp spi 0x2112 src $ME dst $YOU \\
    authalg sha1 authkey d3b3be95dd3d688086d06c67c5e28482943142c9 \\
    encralg aes encrkey be11a84eb75255e0d3add0c0cd9c5315 \\
    hard_usetime 28800
EOI
chmod 600 "$D/ex10b"
run -f "$D/ex10b"
echo "# Example 11: SAs for IPv6 addresses"
inter <<EOI
add esp spi 0x6789 src6 $ME6 dst6 $YOU6\\
	    authalg md5 authkey bde359723576fdea08e56cbe876e24ad \\
	   encralg des encrkey be02938e7def2839 hard_usetime 28800
exit
EOI
run get esp spi 0x6789 dst6 "$YOU6"
echo "# Example 12: linking two SAs as a pair (update is refused from the"
echo "# shell: keys would show in ps; the interactive mode does it)"
run update esp spi 0x123456 dst "$YOU" pair-spi 0x654321
inter <<EOI
add esp spi 0x123456 src $ME dst $YOU authalg sha1 \\
	authkey d3b3be95dd3d688086d06c67c5e28482943142c9 encralg null
add esp spi 0x654321 src $YOU dst $ME authalg sha1 \\
	authkey d3b3be95dd3d688086d06c67c5e28482943142c9 encralg null
update esp spi 0x123456 dst $YOU \\
pair-spi 0x654321
EOI
run get esp spi 0x654321 dst "$ME"
echo "# Example 5: deleting an SA, and an SA with its pair"
run delete esp spi 0x2112 dst "$MC"
run delete esp spi 0x2112 dst "$YOU"
run delete-pair esp spi 0x123456 dst "$YOU"
run get esp spi 0x654321 dst "$ME"
run delete-pair esp spi 0x2112 dst "$MC"
echo "# Example 9: monitoring PF_KEY messages (see the monitor cases)"
