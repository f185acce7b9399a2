#!/usr/bin/env bash
# Generates the media of the Occitanie demo pack into OUTDIR/media/...
#
#   make-media.sh OUTDIR
#
# Everything is derived from manifest.template.json (next to this script):
# thumbnails (480x270 JPEG), gallery images (1280x720 JPEG), showcase films
# (1280x720 H.264, 6 s), campaign films (1920x1080 H.264, 8 s). Subtitles are
# copied from subtitles/, which mirrors media/ (subtitles/<id>/film.fr.vtt is
# copied to media/<id>/film.fr.vtt).
#
# A file that already exists and is newer than the template and this script is
# left alone, so running the script again only redoes what changed.
# Environment: JOBS (parallel ffmpeg runs, default: number of CPUs).
set -euo pipefail

die() { echo "make-media.sh: $*" >&2; exit 1; }

[[ $# -eq 1 && -n $1 ]] || die "usage: make-media.sh OUTDIR"
OUTDIR=$1

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF=$HERE/$(basename "${BASH_SOURCE[0]}")
TEMPLATE=$HERE/manifest.template.json
SUBTITLES=$HERE/subtitles
FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "JOBS must be a positive integer, not '$JOBS'"

DEPS_HINT="install ffmpeg and fonts-dejavu-core: run make deps"
command -v ffmpeg >/dev/null 2>&1 || die "ffmpeg not found; $DEPS_HINT"
[[ -r $FONT ]] || die "font $FONT not found; $DEPS_HINT"
# (captured first: grep -q closing the pipe early would trip pipefail)
FILTERS=$(ffmpeg -hide_banner -filters 2>/dev/null || true)
ENCODERS=$(ffmpeg -hide_banner -encoders 2>/dev/null || true)
[[ $FILTERS == *" drawtext "* ]] \
  || die "this ffmpeg has no drawtext filter (built without libfreetype); $DEPS_HINT"
[[ $ENCODERS == *" libx264 "* ]] \
  || die "this ffmpeg has no libx264 encoder; $DEPS_HINT"
command -v python3 >/dev/null 2>&1 || die "python3 not found"
[[ -r $TEMPLATE ]] || die "$TEMPLATE not found"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vitrine-media.XXXXXX")
cleanup() {
  # let running ffmpeg jobs end (a few seconds at most; on Ctrl-C they get
  # the signal too) rather than removing their work files under them
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------
# Plan: one line per file to produce, tab-separated:
#   kind  path  style  colour  dark  seed  filter-file  source
# kind: thumb | image | video | campaign | vtt. The filter file holds the
# drawtext chain (text itself goes through textfile= so that quotes, colons
# and accents need no escaping).
# ---------------------------------------------------------------------------
FONT=$FONT python3 - "$TEMPLATE" "$WORK" "$SUBTITLES" >"$WORK/plan" <<'PY'
import hashlib, json, os, re, sys, textwrap

template, work, subdir = sys.argv[1:4]
font = os.environ["FONT"]
for p in (work, font):
    if not re.fullmatch(r"[A-Za-z0-9_./-]+", p):
        sys.exit("make-media.sh: unusable characters in path %r" % p)

with open(template, encoding="utf-8") as f:
    m = json.load(f)
lang = m["languages"][0]

def tr(text):
    if isinstance(text, str):
        return text
    return text.get(lang) or next(iter(text.values()))

def nbsp(s):
    # keep French punctuation and guillemets with their word when wrapping
    s = s.replace("« ", "«\u00a0").replace(" »", "\u00a0»")
    return re.sub(r" ([:;!?%])", "\u00a0\\1", s)

def colour(c):
    if not re.fullmatch(r"#[0-9A-Fa-f]{6}", c):
        sys.exit("make-media.sh: bad colour %r" % c)
    return "0x" + c[1:].upper()

def darker(c, k=0.3):
    r, g, b = (int(c[i:i + 2], 16) for i in (1, 3, 5))
    return "0x%02X%02X%02X" % (int(r * k), int(g * k), int(b * k))

def seed(path):
    return int(hashlib.sha1(path.encode()).hexdigest()[:6], 16)

count = 0
def textfile(text):
    global count
    count += 1
    p = os.path.join(work, "t%d.txt" % count)
    with open(p, "w", encoding="utf-8") as f:
        f.write(text)
    return p

def drawtext(text, size, x, y, extra=""):
    return ("drawtext=fontfile=%s:textfile=%s:expansion=none:fontcolor=white"
            ":fontsize=%d:x=%s:y=%s%s" % (font, textfile(text), size, x, y, extra))

def wrap(text, size, maxw, max_lines):
    """Lines of at most maxw pixels (estimated), shrinking the font if more
    than max_lines are needed, then balanced so the last line is no orphan."""
    text = nbsp(text)
    def split(chars):
        return textwrap.wrap(text, chars, break_long_words=False,
                             break_on_hyphens=False)
    while True:
        chars = max(8, int(maxw / (0.62 * size)))
        lines = split(chars)
        if len(lines) <= max_lines or size <= 14:
            break
        size = int(size * 0.92)
    while chars > 8 and len(split(chars - 1)) == len(lines):
        chars -= 1
    return split(chars), size

def block(text, size, maxw, max_lines, cy, extra=lambda i, y: ""):
    """Centred lines of text around cy; returns (filters, bottom)."""
    lines, size = wrap(text, size, maxw, max_lines)
    lh = int(size * 1.22)
    top = int(cy - lh * len(lines) / 2)
    out = []
    for i, line in enumerate(lines):
        y = top + i * lh
        out.append(drawtext(line, size, "(w-text_w)/2", str(y), extra(i, y)))
    return out, top + lh * len(lines)

def shadow(px):
    return ":shadowcolor=black@0.5:shadowx=%d:shadowy=%d" % (px, px)

def filters_file(filters):
    return textfile(",".join(filters))

def emit(kind, path, style, col, dark, sd, ffile, src="-"):
    print("\t".join([kind, path, str(style), col, dark, str(sd), ffile, src]))

sectors = {s["id"]: s for s in m["sectors"]}
cities = {c["id"]: c for c in m.get("cities", [])}

def add_vtt(subs):
    for path in subs.values():
        if not path.startswith("media/"):
            sys.exit("make-media.sh: subtitle path %r is not under media/" % path)
        src = os.path.join(subdir, path[len("media/"):])
        if not os.path.isfile(src):
            sys.exit("make-media.sh: missing subtitle source %s" % src)
        emit("vtt", path, 0, "-", "-", 0, "-", src)

for index, sc in enumerate(m["showcases"]):
    sector = sectors[sc["sectors"][0]]
    col, dark = colour(sector["colour"]), darker(sector["colour"])
    label = tr(sector["name"]).upper()
    if sc.get("city") in cities:
        label += "  ·  " + tr(cities[sc["city"]]["name"])
    title = tr(sc["title"])

    # Thumbnail
    path = sc["thumbnail"]
    f = [drawtext(label, 13, "16", "14", ":alpha=0.85" + shadow(1))]
    f += block(title, 34, 420, 3, 150, lambda i, y: shadow(2))[0]
    emit("thumb", path, index % 4, col, dark, seed(path), filters_file(f))

    images = [x for x in sc.get("media", []) if x.get("type") == "image"]
    for k, item in enumerate(sc.get("media", [])):
        path = item["path"]
        if item.get("type") == "image":
            n = images.index(item) + 1
            f = [drawtext(label, 26, "44", "40", ":alpha=0.85" + shadow(2)),
                 drawtext("%d / %d" % (n, len(images)), 26, "w-text_w-44", "40",
                          ":alpha=0.85" + shadow(2))]
            f += block(title, 64, 1150, 3, 300, lambda i, y: shadow(3))[0]
            cap = tr(item["caption"]) if "caption" in item else ""
            if cap:
                lines, size = wrap(cap, 32, 1120, 2)
                for i, line in enumerate(reversed(lines)):
                    f.append(drawtext(line, size, "(w-text_w)/2",
                                      str(720 - 84 - i * int(size * 1.7)),
                                      ":box=1:boxcolor=black@0.4:boxborderw=12"))
            emit("image", path, (index + n) % 4, col, dark, seed(path), filters_file(f))
        elif item.get("type") == "video":
            def fade_in(start):
                return lambda i, y: ":alpha='clip((t-%.2f)/0.6,0,1)'" % (start + 0.35 * i) + shadow(3)
            f = [drawtext(label, 26, "44", "40",
                          ":alpha='0.85*clip(t/0.6,0,1)'" + shadow(2))]
            lines, bottom = block(title, 64, 1150, 3, 330, fade_in(0.4))
            f += lines
            f.append(drawtext(sc["company"]["name"], 34, "(w-text_w)/2", str(bottom + 36),
                              ":alpha='0.9*clip((t-1.8)/0.6,0,1)'" + shadow(2)))
            emit("video", path, index % 4, col, dark, seed(path), filters_file(f))
            add_vtt(item.get("subtitles", {}))
        else:
            sys.exit("make-media.sh: %s: unknown media type %r" % (path, item.get("type")))

palette = ["#E8590C", "#2E7D32", "#E03E52", "#1D3A8A"]
pack_title = tr(m["pack"]["title"])
for index, entry in enumerate(m["campaign"]):
    path = entry["video"]
    c = palette[index % len(palette)]
    def slide(i, y):
        t0 = 0.5 + 0.5 * i
        return (":alpha='clip((t-%.2f)/0.8,0,1)':y='%d+50*(1-clip((t-%.2f)/0.8,0,1))'"
                % (t0, y, t0)) + shadow(4)
    f, bottom = block(tr(entry["tagline"]), 96, 1700, 3, 500, slide)
    f.append(drawtext(pack_title, 38, "(w-text_w)/2", "h-130",
                      ":alpha='0.85*clip((t-2.5)/0.8,0,1)'" + shadow(2)))
    emit("campaign", path, (3 - index) % 4, colour(c), darker(c, 0.25), seed(path),
         filters_file(f))
    add_vtt(entry.get("subtitles", {}))
PY

mapfile -t PLAN <"$WORK/plan"
TOTAL=${#PLAN[@]}
(( TOTAL > 0 )) || die "nothing to generate"

# ---------------------------------------------------------------------------
# Backgrounds: a gradient in the sector colour blended with a pattern.
#   0 fractal  (mandelbrot, soft light)
#   1 life     (game of life with mould, blurred, screen)
#   2 rings    (concentric waves, soft light)
#   3 automaton (elementary cellular automaton, pixel blocks, screen)
# background W H STYLE COLOUR DARK SEED ANIMATED(0|1) FRAMES -> filtergraph
# producing [bg]. Moving backgrounds are computed at half size and scaled up
# (they are soft anyway, and it keeps generation fast); the text drawn on
# top stays at full resolution.
# ---------------------------------------------------------------------------
background() {
  local fw=$1 fh=$2 style=$3 c=$4 d=$5 seed=$6 anim=$7 frames=$8
  local w=$fw h=$fh base pattern mode opacity upscale=""
  if (( anim )); then
    w=$((fw / 2)) h=$((fh / 2)) upscale=",scale=${fw}x${fh}:flags=bicubic"
  fi
  local rate=":r=30"
  if (( seed % 2 )); then
    base="gradients=s=${w}x${h}${rate}:c0=$c:c1=$d:x0=0:y0=0:x1=$w:y1=$h"
  else
    base="gradients=s=${w}x${h}${rate}:c0=$c:c1=$d:x0=$w:y0=0:x1=0:y1=$h"
  fi
  (( anim )) && base="gradients=s=${w}x${h}${rate}:c0=$c:c1=$d:c2=$c:n=3:speed=0.015:seed=$seed"
  case $style in
    0)
      local points=("-0.7453:0.1127:0.02" "-0.1592:1.0317:0.06" "-1.2505:0.0203:0.03"
                    "0.2817:0.0095:0.03" "-0.7436:0.1318:0.004" "-0.088:0.654:0.05")
      local p=${points[$(( seed % ${#points[@]} ))]}
      local x=${p%%:*} rest=${p#*:}
      local y=${rest%%:*} scale=${rest#*:}
      local end=$scale
      (( anim )) && end=$(awk -v s="$scale" 'BEGIN{printf "%.6f", s/6}')
      pattern="mandelbrot=s=$((w / 2))x$((h / 2))${rate}:start_x=$x:start_y=$y:start_scale=$scale:end_scale=$end:end_pts=$frames:maxiter=250,hue=s=0,scale=${w}x${h}:flags=bicubic"
      mode=softlight; opacity=0.85 ;;
    1)
      pattern="life=s=$((fw / 8))x$((fh / 8))${rate}:mold=8:ratio=0.1:seed=$seed:death_color=black:life_color=white:mold_color=0x707070"
      (( anim )) || pattern+=",trim=start_frame=40,setpts=PTS-STARTPTS"
      pattern+=",scale=${w}x${h}:flags=bicubic,gblur=sigma=$(( (w + 159) / 320 ))"
      mode=screen; opacity=0.4 ;;
    2)
      local cx=$(( 20 + seed % 60 )) cy=$(( 20 + seed / 7 % 60 ))
      local t=0
      (( anim )) && t="T*2.5"
      pattern="color=black:s=$((w / 4))x$((h / 4))${rate},format=gray,geq=lum='128+80*sin(hypot(X-W*$cx/100,Y-H*$cy/100)/(W/70)-$t)',scale=${w}x${h}:flags=bicubic"
      mode=softlight; opacity=0.6 ;;
    3)
      local rules=(30 90 110 150 105 45)
      local rule=${rules[$(( seed % ${#rules[@]} ))]}
      pattern="cellauto=s=$((fw / 8))x$((fh / 8))${rate}:rule=$rule:seed=$seed:full=1,scale=${w}x${h}:flags=neighbor"
      mode=screen; opacity=0.14 ;;
    *) die "unknown style $style" ;;
  esac
  printf '%s[b0];%s,format=gbrp[p0];[b0]format=gbrp[b1];[b1][p0]blend=all_mode=%s:all_opacity=%s,vignette=PI/5%s[bg]' \
    "$base" "$pattern" "$mode" "$opacity" "$upscale"
}

# tone ROOT_HZ SECONDS VOLUME -> a quiet major chord with fades
tone() {
  local f=$1 s=$2 v=$3
  printf "aevalsrc='%s*(sin(2*PI*%s*t)+0.8*sin(2*PI*%s*t)+0.7*sin(2*PI*%s*t))*(0.75+0.25*sin(2*PI*0.5*t))':s=48000:c=stereo:d=%s,afade=t=in:d=1,afade=t=out:st=%s:d=1.5" \
    "$v" "$f" "$(awk -v f="$f" 'BEGIN{print f*1.25992}')" "$(awk -v f="$f" 'BEGIN{print f*1.49831}')" \
    "$s" "$(awk -v s="$s" 'BEGIN{print s-1.5}')"
}

FF=(ffmpeg -hide_banner -loglevel error -nostdin -y)
X264=(-c:v libx264 -preset veryfast -crf 28 -pix_fmt yuv420p -r 30 -g 60 -movflags +faststart)

generate() {
  local kind=$1 path=$2 style=$3 c=$4 d=$5 seed=$6 ffile=$7 src=$8
  local out=$OUTDIR/$path tmp
  tmp=$WORK/out.$BASHPID.${path##*.}
  local text=""
  [[ $ffile == - ]] || text=$(<"$ffile")
  case $kind in
    thumb|image)
      local w=1280 h=720
      [[ $kind == thumb ]] && { w=480; h=270; }
      "${FF[@]}" -filter_complex "$(background $w $h "$style" "$c" "$d" "$seed" 0 1);[bg]$text,format=yuvj420p[v]" \
        -map '[v]' -frames:v 1 -q:v 4 "$tmp" ;;
    video)
      local s=6
      "${FF[@]}" -filter_complex "$(background 1280 720 "$style" "$c" "$d" "$seed" 1 $((s * 30)));[bg]$text,fade=t=in:d=0.5,fade=t=out:st=$((s - 1)).4:d=0.6,format=yuv420p[v];$(tone $((196 + seed % 5 * 22)) $s 0.03)[a]" \
        -map '[v]' -map '[a]' -t $s "${X264[@]}" -c:a aac -b:a 64k "$tmp" ;;
    campaign)
      local s=8
      "${FF[@]}" -filter_complex "$(background 1920 1080 "$style" "$c" "$d" "$seed" 1 $((s * 30)));[bg]$text,fade=t=in:d=0.6,fade=t=out:st=$((s - 1)).2:d=0.8,format=yuv420p[v];$(tone $((130 + seed % 4 * 17)) $s 0.04)[a]" \
        -map '[v]' -map '[a]' -t $s "${X264[@]}" -c:a aac -b:a 96k "$tmp" ;;
    vtt)
      cp "$src" "$tmp" ;;
    *) die "unknown kind $kind" ;;
  esac
  mkdir -p "$(dirname "$out")"
  mv -f "$tmp" "$out"
}

up_to_date() {
  local out=$1 src=$2
  [[ -f $out && $out -nt $TEMPLATE && $out -nt $SELF ]] || return 1
  [[ $src == - || $out -nt $src ]]
}

mkdir -p "$OUTDIR"
start=$SECONDS
i=0 made=0 running=0
for line in "${PLAN[@]}"; do
  IFS=$'\t' read -r kind path style c d seed ffile src <<<"$line"
  i=$((i + 1))
  if up_to_date "$OUTDIR/$path" "$src"; then
    printf 'make-media: [%3d/%d] %s (up to date)\n' "$i" "$TOTAL" "$path" >&2
    continue
  fi
  printf 'make-media: [%3d/%d] %s\n' "$i" "$TOTAL" "$path" >&2
  if (( running >= JOBS )); then
    wait -n || die "generation failed (see the ffmpeg message above)"
    running=$((running - 1))
  fi
  generate "$kind" "$path" "$style" "$c" "$d" "$seed" "$ffile" "$src" &
  running=$((running + 1)) made=$((made + 1))
done
while (( running > 0 )); do
  wait -n || die "generation failed (see the ffmpeg message above)"
  running=$((running - 1))
done

# Files under media/ that the template no longer mentions would end up in the
# pack: point them out.
if [[ -d $OUTDIR/media ]]; then
  cut -f2 "$WORK/plan" | sort >"$WORK/expected"
  (cd "$OUTDIR" && find media -type f | sort) | comm -23 - "$WORK/expected" | while read -r extra; do
    echo "make-media: warning: $OUTDIR/$extra is not in the template" >&2
  done
fi
echo "make-media: $made of $TOTAL files generated in $((SECONDS - start)) s into $OUTDIR" >&2
