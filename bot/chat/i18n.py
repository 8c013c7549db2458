"""Every user-facing string, in Spanish and English: one catalogue per language.

Strings are ``str.format`` templates and may hold HTML; whatever fills a placeholder is
escaped by the caller (``bot.chat.replies``), never here. Keys ending in ``_one``/``_other`` are
plural forms picked by :func:`plural`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "en"

EN: dict[str, str] = {
    # -- conversation ------------------------------------------------------------------------
    "help": (
        "👋 <b>StreamBot</b> finds something to watch on {platforms}.\n\n"
        "Send me a title, like <i>stranger things</i>, or ask "
        "<i>recommend something like toy story</i>. Or use a command:\n\n"
        "🍿 /recommend toy story: 5 similar titles\n"
        "ℹ️ /info the office: details and where it streams\n"
        "📺 /where the office: every platform that has it\n"
        "🆕 /new netflix: the latest additions\n"
        "🔗 /why toy story | cars: what two titles share\n"
        "⏱️ /longest 2018 netflix: the longest movie (add <i>season</i> for the show with "
        "most seasons)\n"
        "⭐ /scorecount netflix 7 2015: movies scoring above 7\n"
        "📊 /count disney: movies and shows on a platform\n"
        "🎭 /actor netflix 2019: the busiest actor of a year\n"
        "🌎 /country tv spain 2021: titles from a country\n"
        "🎫 /rating pg-13: titles with an age rating\n"
        "📈 /stats: charts of the catalogue\n"
        "✅ /platforms netflix disney: show only the platforms you pay for\n"
        "🌐 /lang es: hablemos en español\n"
        "In a group, only its admins change its platforms and language."
    ),
    "help_inline": "\n\nIn any chat, type <code>@{bot} a title</code> to share recommendations.",
    "greeting": "👋 Hi! Send me a title you like and I'll find similar things to watch. "
    "/help shows everything I can do.",
    "thanks": "You're welcome! 🍿 Enjoy the show.",
    "apology": "😕 Sorry, something went wrong on my side. Please try again in a moment.",
    "slow_down": "🐢 That's a lot of messages at once! Give me a few seconds, then send what "
    "you need.",
    "unknown_command": "I don't know the command {command}. Send /help to see what I can do.",
    "empty": "Send me a title, like <i>toy story</i>, or /help.",
    "lang_set": "Done! I'll speak English in this chat. 🇬🇧",
    "not_saved": "⚠️ I couldn't save that setting: my settings storage isn't answering right "
    "now. Please try again in a minute.",
    "stale_button": "This button has expired. Send the title again and I'll look it up.",
    "gone": "That title is no longer in the catalogue. Try searching for it again.",
    # -- matching ----------------------------------------------------------------------------
    "not_found": "🔍 I couldn't find anything called “{query}”. Check the spelling, or try "
    "another title, like <i>toy story</i>.",
    "did_you_mean": "🤔 Did you mean…?",
    "too_long": "That's a bit long for a title. Send just the name, like <i>toy story</i>.",
    # -- recommendations ---------------------------------------------------------------------
    "like_header": "🍿 If you like <b>{title}</b> ({year}), try:",
    "like_header_page": "🍿 More like <b>{title}</b> ({year}), {first}–{last}:",
    "like_none": "I found <b>{title}</b> ({year}), but nothing similar{where}.",
    "like_end": "That's everything I have like <b>{title}</b>.",
    "on_platform": " on {platform}",
    "of_type_movie": " among movies",
    "of_type_tv": " among TV shows",
    "more_like": "🔎 More like {title}",
    "only_movies": "Movies only",
    "only_tv": "TV shows only",
    "only_on": "Only on {platform}",
    "similar_button": "🍿 Similar titles",
    "next": "Next 5 ➡️",
    "previous": "⬅️ Back",
    "reason_director": "by {names}",
    "reason_cast": "with {names}",
    "reason_similar": "a similar story",
    "reason_themes": "about {words}",
    # -- details ----------------------------------------------------------------------------
    "type_movie": "Movie",
    "type_tv": "TV show",
    "minutes": "{n} min",
    "seasons_one": "{n} season",
    "seasons_other": "{n} seasons",
    "streams_on": "📺 Streams on {platforms}",
    "directed_by": "🎬 Directed by {names}",
    "starring": "👥 With {names}",
    "made_in": "🌎 {countries}",
    "list_and": " and ",
    # -- catalogue questions -----------------------------------------------------------------
    "anywhere": "in the catalogue",
    "on": "on {platform}",
    "from_year": "from {year}",
    "from_country": "from",
    "longest_movie": "⏱️ The longest movie {scope} is <b>{title}</b>{where}: {duration}.",
    "longest_tv": "📺 The TV show with the most seasons {scope} is <b>{title}</b>{where}: "
    "{duration}.",
    "longest_none": "I found no movies or shows {scope} with a known length.",
    "score_count_one": "⭐ {count} movie on {platform} from {year} scores above {score}, out "
    "of {scored} with a known score.",
    "score_count_other": "⭐ {count} movies on {platform} from {year} score above {score}, out "
    "of {scored} with a known score.",
    "count": "📊 {platform} has {movies} and {shows}.",
    "movies_one": "{n} movie",
    "movies_other": "{n} movies",
    "shows_one": "{n} TV show",
    "shows_other": "{n} TV shows",
    "actor": "🎭 The busiest cast member on {platform} in {year} is <b>{actor}</b>, in {titles}.",
    "titles_one": "{n} title",
    "titles_other": "{n} titles",
    "actor_none": "🎭 I have no cast information for {platform} titles from {year}.",
    "actor_no_titles": "🎭 {platform} has no titles from {year}.",
    "country_movie_one": "🌎 {count} movie {origin} was released in {year}.",
    "country_movie_other": "🌎 {count} movies {origin} were released in {year}.",
    "country_tv_one": "🌎 {count} TV show {origin} was released in {year}.",
    "country_tv_other": "🌎 {count} TV shows {origin} were released in {year}.",
    "rating_one": "🎫 {count} title is rated {rating}.",
    "rating_other": "🎫 {count} titles are rated {rating}.",
    # -- argument problems: what was wrong, then one example ------------------------------
    "problem_missing_title": "Tell me a title.",
    "problem_missing_platform": "Tell me a platform: {platforms}.",
    "problem_unknown_platform": "I don't know the platform “{value}”. Try {platforms}.",
    "problem_uncovered_platform": "“{value}” isn't one of my platforms. I cover {platforms}.",
    "problem_two_platforms": "Tell me just one platform, not “{value}”.",
    "problem_missing_year": "Tell me a year, like 2019.",
    "problem_bad_year": "“{value}” isn't a year I can use. Use four digits, like 2019.",
    "problem_two_years": "Tell me just one year, not “{value}”.",
    "problem_missing_score": "Tell me a score from 0 to 10.",
    "problem_bad_score": "“{value}” isn't a score I can use. Scores go from 0 to 10.",
    "problem_missing_type": "Tell me whether you want movies or TV shows.",
    "problem_missing_country": "Tell me a country, like spain or united states.",
    "problem_unknown_country": "I don't know a country called “{value}”.",
    "problem_missing_rating": "Tell me an age rating, like pg-13 or tv-ma.",
    "problem_unknown_rating": "I don't know the rating “{value}”. Common ones: {ratings}.",
    "problem_unknown_words": "I didn't understand “{value}”.",
    "problem_unusable": "I couldn't use those details.",
    "problem_missing_language": "Tell me a language: es or en.",
    "problem_unknown_language": "I don't speak “{value}” yet. Choose es or en.",
    "problem_too_long": "That's a bit long for a title. Send just the name.",
    "example": "Example: {example}",
    "example_recommend": "/recommend toy story",
    "example_info": "/info stranger things",
    "example_longest": "/longest 2018 netflix min",
    "example_score_count": "/scorecount netflix 7 2015",
    "example_count": "/count netflix",
    "example_actor": "/actor netflix 2019",
    "example_country": "/country tv spain 2021",
    "example_rating": "/rating pg-13",
    "example_lang": "/lang es",
    "example_where": "/where the office",
    "example_new": "/new netflix",
    "example_platforms": "/platforms netflix disney",
    "example_why": "/why toy story | toy story 2",
    "example_stats": "/stats netflix",
    "example_upload": "a CSV file sent with the caption /upload netflix",
    "problem_missing_second_title": "Tell me two titles with a | between them.",
    "admin_only": "Sorry, only StreamBot's admins can do that.",
    "group_settings_admins": "Only this group's admins can change its language and "
    "platforms. You can choose your own in a private chat with me.",
    # -- where to watch ----------------------------------------------------------------------
    "where_header": "📺 <b>{title}</b> ({year}) streams on:",
    "where_line": "• <b>{platform}</b>{as_title} · added {date}",
    "where_line_undated": "• <b>{platform}</b>{as_title} · date added not given",
    "where_as": " as “{title}”",
    "where_not_found": "🔍 “{query}” isn't on any of my platforms ({platforms}).",
    "where_closest": "🔍 “{query}” isn't on any of my platforms. The closest titles I have:",
    # -- new arrivals ------------------------------------------------------------------------
    "new_header": "🆕 <b>Latest additions</b>{where}\n<i>Catalogue as of {date}: a snapshot, "
    "not live data.</i>",
    "new_line": "{n}. <b>{title}</b> ({year}) · {type} · {platform} · {date}",
    "new_undated": "ℹ️ {platform} gives no date for {undated} of its {total} titles, so those "
    "can't appear here.",
    "new_none": "ℹ️ {platform} gives no date for any of its titles, so I can't tell what's new "
    "there.",
    # -- the chat's platforms ----------------------------------------------------------------
    "platforms_all": "📺 This chat sees <b>every platform</b>.\nTap the ones you pay for: "
    "recommendations, /longest, /new and inline results will show only those.",
    "platforms_some": "📺 This chat's platforms: <b>{platforms}</b>.\nRecommendations, "
    "/longest, /new and inline results show only these. Tap to change them.",
    "platforms_saved": "✅ Saved. ",
    "platform_on": "✅ {platform}",
    "platform_off": "➕ {platform}",
    "platforms_reset": "🌐 All platforms",
    "only_mine": "Only on your platforms: {platforms}",
    "show_everywhere": "🌐 Show all platforms",
    # -- why two titles are alike ------------------------------------------------------------
    "why_header": "🔗 <b>{first}</b> ({first_year}) and <b>{second}</b> ({second_year}) are "
    "{percent} alike.",
    "why_same": "That's the same title twice. Send two different ones.",
    "why_director": "🎬 Same director: {names}",
    "why_cast": "👥 Shared cast: {names}",
    "why_genres": "🏷️ Shared genres: {names}",
    "why_themes": "📖 Similar themes: {words}",
    "why_terms": "🔑 Top shared terms: {terms}",
    "why_nothing": "They have nothing in common that I can see.",
    "why_not_found": "🔍 I couldn't find anything called “{query}”.",
    # -- charts ------------------------------------------------------------------------------
    "stats_caption": "📊 <b>{titles}</b> on {count} platforms · catalogue as of {date}",
    "stats_line": "{platform}: {movies}, {shows}",
    "stats_platform_caption": "📊 <b>{platform}</b>: {movies} and {shows} · catalogue as of {date}",
    "stats_button": "📊 {platform}",
    "stats_text_only": "(In Telegram this comes with a chart.)",
    "chart_overview_title": "What's streaming where",
    "chart_types_title": "Movies and TV shows per platform",
    "chart_movies": "Movies",
    "chart_tv_shows": "TV shows",
    "chart_releases_title": "Titles released per year, {first}–{last}",
    "chart_year": "Release year",
    "chart_titles": "Titles",
    "chart_platform_title": "{platform} in numbers",
    "chart_genres": "Top genres",
    "chart_ratings": "Age ratings",
    "chart_countries": "Top countries (listed for {known} of {titles})",
    "chart_other_ratings": "Other",
    "chart_unrated": "Unrated",
    "chart_no_data": "No data",
    # -- admin: versions, rollback and uploads ---------------------------------------------
    "versions_header": "🗂️ <b>Catalogue versions</b>, newest first (the last {keep} are kept):",
    "versions_line": "{marker} <code>{name}</code>\n    built {created} · {size} · {titles} · "
    "{quarantined} set aside",
    "versions_none": "No catalogue version has been built yet. Run <code>streambot etl</code>.",
    "versions_hint": "/rollback serves the one before the live one (▶️).",
    "rollback_done": "↩️ <b>Rolled back</b> to <code>{to}</code>, built {created}.\n"
    "Titles: {before} → {after}. Was serving <code>{previous}</code>; /versions lists them.",
    "rollback_none": "↩️ Nothing to roll back to: {detail}",
    "upload_how": "📥 To update a catalogue, send its CSV file as a document with the caption "
    "<code>/upload netflix</code>. A new platform needs its display name too: "
    "<code>/upload peacock Peacock</code>.",
    "upload_checking": "📥 Checking {file}…",
    "upload_preview": "📋 <b>Dry run</b> of {file} for {platform}{new}: {rows} rows\n"
    "➕ {added} new · ➖ {removed} gone · ✏️ {changed} changed · {unchanged} the same",
    "upload_new_platform": " (a new platform)",
    "upload_examples_added": "New: {titles}",
    "upload_examples_removed": "Gone: {titles}",
    "upload_examples_changed": "Changed: {titles}",
    "upload_changed_columns": "Most changed columns: {columns}",
    "upload_quarantined": "⚠️ {count} rows would be set aside:",
    "upload_quarantined_line": "• row {row}, column {column}: {reason}",
    "upload_current_unreadable": "⚠️ The current file could not be read ({detail}), so every "
    "row counts as new.",
    "upload_confirm": "Apply it? The current file is kept in the history, and nothing changes "
    "if the rebuild fails.",
    "upload_apply_button": "✅ Apply and reload",
    "upload_cancel_button": "✖️ Cancel",
    "upload_cancelled": "✖️ Upload cancelled. Nothing changed.",
    "upload_applying": "🔄 Applying the upload and rebuilding… I keep answering with the current "
    "catalogue meanwhile.",
    "upload_done": "✅ <b>{platform}</b> updated from the upload.",
    "upload_undone": "The upload was not applied: the previous catalogue file stays in place.",
    "upload_refused": "❌ <b>Upload refused</b>: {reason}\nNothing changed.",
    "upload_too_big": "the file is over {mb} MB.",
    "upload_not_csv": "that isn't a CSV file I can read. {detail}",
    "upload_missing_columns": "columns are missing. {detail}",
    "upload_no_rows": "no row could be used. {detail}",
    "upload_bad_platform": "that platform name can't be used. {detail}",
    "upload_display_name_needed": "a new platform needs a display name: "
    "<code>/upload {platform} Display Name</code>.",
    "upload_bad_display_name": "that display name can't be used. {detail}",
    "upload_expired": "this upload has expired or was already handled. Send the file again.",
    # -- admin reload ----------------------------------------------------------------------
    "reload_refused": "Sorry, only StreamBot's admins can reload the catalogue.",
    "reload_started": "🔄 Rebuilding the catalogue… I keep answering with the current one "
    "meanwhile.",
    "reload_busy": "⏳ A reload is already running. I'll report when it's done.",
    "reload_done": (
        "✅ <b>Catalogue reloaded</b> in {seconds}\n"
        "Titles: {before} → {after} (+{added}, −{removed})\n"
        "Scores known for {coverage} of titles\n"
        "Version {version}"
    ),
    "reload_failed": "❌ <b>Reload failed</b>: {reason}\nStill serving the previous catalogue "
    "({titles} titles).",
    "reload_etl": "the data could not be built. {detail}",
    "reload_empty_platform": "{detail} kept no titles at all.",
    "reload_quarantined": "too many rows were set aside as unusable ({detail}).",
    "reload_shrunk": "the new catalogue would have only {detail} titles; that looks wrong.",
    "reload_platform_shrunk": "{detail} titles: more than half would disappear, which looks "
    "like a broken file.",
    "reload_broken": "the new catalogue did not load ({detail}).",
    "reload_disk_full": "the disk is full, so nothing changed (version {detail} stays live).",
    "seconds": "{n} s",
    # -- inline mode -------------------------------------------------------------------------
    "inline_button": "Open StreamBot",
    "inline_match": "Details, and where it streams",
    # -- console -----------------------------------------------------------------------------
    "console_welcome": "StreamBot console chat. Type a title, /help, or /quit. Pick a button "
    "by its number.",
    "console_no_token": "No TELEGRAM_BOT_TOKEN set, so StreamBot runs here in the terminal. "
    "Put the token in .env (see .env.example) to run it on Telegram.",
}

ES: dict[str, str] = {
    "help": (
        "👋 <b>StreamBot</b> te ayuda a encontrar qué ver en {platforms}.\n\n"
        "Envíame un título, como <i>stranger things</i>, o pídeme "
        "<i>recomiéndame algo como toy story</i>. O usa un comando:\n\n"
        "🍿 /recomendar toy story: 5 títulos parecidos\n"
        "ℹ️ /info the office: detalles y dónde verlo\n"
        "📺 /donde the office: todas las plataformas que lo tienen\n"
        "🆕 /nuevo netflix: lo último que ha llegado\n"
        "🔗 /porque toy story | cars: qué tienen en común dos títulos\n"
        "⏱️ /duracion 2018 netflix: la película más larga (añade <i>temporadas</i> para la "
        "serie con más temporadas)\n"
        "⭐ /puntaje netflix 7 2015: películas con nota mayor que 7\n"
        "📊 /cantidad disney: películas y series de una plataforma\n"
        "🎭 /actor netflix 2019: el actor con más títulos de un año\n"
        "🌎 /pais serie españa 2021: títulos de un país\n"
        "🎫 /clasificacion pg-13: títulos con una clasificación por edad\n"
        "📈 /estadisticas: gráficos del catálogo\n"
        "✅ /plataformas netflix disney: muestra solo las plataformas que pagas\n"
        "🌐 /idioma en: let's talk in English\n"
        "En un grupo, solo sus administradores cambian sus plataformas y su idioma."
    ),
    "help_inline": "\n\nEn cualquier chat, escribe <code>@{bot} un título</code> para "
    "compartir recomendaciones.",
    "greeting": "👋 ¡Hola! Envíame un título que te guste y te busco cosas parecidas para ver. "
    "/ayuda muestra todo lo que sé hacer.",
    "thanks": "¡De nada! 🍿 Que lo disfrutes.",
    "apology": "😕 Perdona, algo ha fallado por mi parte. Inténtalo de nuevo en un momento.",
    "slow_down": "🐢 ¡Son muchos mensajes a la vez! Dame unos segundos y luego envíame lo que "
    "necesites.",
    "unknown_command": "No conozco el comando {command}. Envía /ayuda para ver lo que sé hacer.",
    "empty": "Envíame un título, como <i>toy story</i>, o /ayuda.",
    "lang_set": "¡Listo! Hablaré en español en este chat. 🇪🇸",
    "not_saved": "⚠️ No he podido guardar ese ajuste: mi almacén de ajustes no responde ahora "
    "mismo. Inténtalo de nuevo en un minuto.",
    "stale_button": "Este botón ha caducado. Vuelve a enviar el título y lo busco.",
    "gone": "Ese título ya no está en el catálogo. Prueba a buscarlo de nuevo.",
    "not_found": "🔍 No encontré nada llamado «{query}». Revisa cómo se escribe o prueba con "
    "otro título, como <i>toy story</i>.",
    "did_you_mean": "🤔 ¿Quisiste decir…?",
    "too_long": "Es un poco largo para ser un título. Envía solo el nombre, como <i>toy story</i>.",
    "like_header": "🍿 Si te gusta <b>{title}</b> ({year}), prueba con:",
    "like_header_page": "🍿 Más como <b>{title}</b> ({year}), {first}–{last}:",
    "like_none": "Encontré <b>{title}</b> ({year}), pero nada parecido{where}.",
    "like_end": "Eso es todo lo que tengo parecido a <b>{title}</b>.",
    "on_platform": " en {platform}",
    "of_type_movie": " entre las películas",
    "of_type_tv": " entre las series",
    "more_like": "🔎 Más como {title}",
    "only_movies": "Solo películas",
    "only_tv": "Solo series",
    "only_on": "Solo en {platform}",
    "similar_button": "🍿 Títulos parecidos",
    "next": "5 más ➡️",
    "previous": "⬅️ Volver",
    "reason_director": "de {names}",
    "reason_cast": "con {names}",
    "reason_similar": "una historia parecida",
    "reason_themes": "sobre {words}",
    "type_movie": "Película",
    "type_tv": "Serie",
    "minutes": "{n} min",
    "seasons_one": "{n} temporada",
    "seasons_other": "{n} temporadas",
    "streams_on": "📺 Disponible en {platforms}",
    "directed_by": "🎬 Dirigida por {names}",
    "starring": "👥 Con {names}",
    "made_in": "🌎 {countries}",
    "list_and": " y ",
    "anywhere": "del catálogo",
    "on": "en {platform}",
    "from_year": "de {year}",
    "from_country": "de",
    "longest_movie": "⏱️ La película más larga {scope} es <b>{title}</b>{where}: {duration}.",
    "longest_tv": "📺 La serie con más temporadas {scope} es <b>{title}</b>{where}: {duration}.",
    "longest_none": "No encontré películas ni series {scope} con duración conocida.",
    "score_count_one": "⭐ {count} película de {platform} de {year} tiene nota mayor que "
    "{score}, de {scored} con nota conocida.",
    "score_count_other": "⭐ {count} películas de {platform} de {year} tienen nota mayor que "
    "{score}, de {scored} con nota conocida.",
    "count": "📊 {platform} tiene {movies} y {shows}.",
    "movies_one": "{n} película",
    "movies_other": "{n} películas",
    "shows_one": "{n} serie",
    "shows_other": "{n} series",
    "actor": "🎭 Quien más aparece en {platform} en {year} es <b>{actor}</b>, en {titles}.",
    "titles_one": "{n} título",
    "titles_other": "{n} títulos",
    "actor_none": "🎭 No tengo datos de reparto para los títulos de {platform} de {year}.",
    "actor_no_titles": "🎭 {platform} no tiene títulos de {year}.",
    "country_movie_one": "🌎 {count} película {origin} se estrenó en {year}.",
    "country_movie_other": "🌎 {count} películas {origin} se estrenaron en {year}.",
    "country_tv_one": "🌎 {count} serie {origin} se estrenó en {year}.",
    "country_tv_other": "🌎 {count} series {origin} se estrenaron en {year}.",
    "rating_one": "🎫 {count} título tiene la clasificación {rating}.",
    "rating_other": "🎫 {count} títulos tienen la clasificación {rating}.",
    "problem_missing_title": "Dime un título.",
    "problem_missing_platform": "Dime una plataforma: {platforms}.",
    "problem_unknown_platform": "No conozco la plataforma «{value}». Prueba con {platforms}.",
    "problem_uncovered_platform": "«{value}» no es una de mis plataformas. Tengo {platforms}.",
    "problem_two_platforms": "Dime una sola plataforma, no «{value}».",
    "problem_missing_year": "Dime un año, como 2019.",
    "problem_bad_year": "«{value}» no es un año que pueda usar. Usa cuatro cifras, como 2019.",
    "problem_two_years": "Dime un solo año, no «{value}».",
    "problem_missing_score": "Dime una nota del 0 al 10.",
    "problem_bad_score": "«{value}» no es una nota que pueda usar. Las notas van del 0 al 10.",
    "problem_missing_type": "Dime si quieres películas o series.",
    "problem_missing_country": "Dime un país, como españa o estados unidos.",
    "problem_unknown_country": "No conozco ningún país llamado «{value}».",
    "problem_missing_rating": "Dime una clasificación por edad, como pg-13 o tv-ma.",
    "problem_unknown_rating": "No conozco la clasificación «{value}». Las más comunes: {ratings}.",
    "problem_unknown_words": "No entendí «{value}».",
    "problem_unusable": "No pude usar esos datos.",
    "problem_missing_language": "Dime un idioma: es o en.",
    "problem_unknown_language": "Todavía no hablo «{value}». Elige es o en.",
    "problem_too_long": "Es un poco largo para ser un título. Envía solo el nombre.",
    "example": "Ejemplo: {example}",
    "example_recommend": "/recomendar toy story",
    "example_info": "/info stranger things",
    "example_longest": "/duracion 2018 netflix min",
    "example_score_count": "/puntaje netflix 7 2015",
    "example_count": "/cantidad netflix",
    "example_actor": "/actor netflix 2019",
    "example_country": "/pais serie españa 2021",
    "example_rating": "/clasificacion pg-13",
    "example_lang": "/idioma en",
    "example_where": "/donde the office",
    "example_new": "/nuevo netflix",
    "example_platforms": "/plataformas netflix disney",
    "example_why": "/porque toy story | toy story 2",
    "example_stats": "/estadisticas netflix",
    "example_upload": "un archivo CSV enviado con el texto /subir netflix",
    "problem_missing_second_title": "Dime dos títulos con una | entre ellos.",
    "admin_only": "Lo siento, solo los administradores de StreamBot pueden hacer eso.",
    "group_settings_admins": "Solo los administradores de este grupo pueden cambiar su idioma "
    "y sus plataformas. Puedes elegir los tuyos en un chat privado conmigo.",
    # -- dónde verlo ----------------------------------------------------------------------
    "where_header": "📺 <b>{title}</b> ({year}) está en:",
    "where_line": "• <b>{platform}</b>{as_title} · añadido el {date}",
    "where_line_undated": "• <b>{platform}</b>{as_title} · sin fecha de alta",
    "where_as": " como «{title}»",
    "where_not_found": "🔍 «{query}» no está en ninguna de mis plataformas ({platforms}).",
    "where_closest": "🔍 «{query}» no está en ninguna de mis plataformas. Lo más parecido que "
    "tengo:",
    # -- novedades ---------------------------------------------------------------------------
    "new_header": "🆕 <b>Últimas novedades</b>{where}\n<i>Catálogo a {date}: una foto fija, "
    "no datos en vivo.</i>",
    "new_line": "{n}. <b>{title}</b> ({year}) · {type} · {platform} · {date}",
    "new_undated": "ℹ️ {platform} no da fecha para {undated} de sus {total} títulos, así que "
    "esos no pueden salir aquí.",
    "new_none": "ℹ️ {platform} no da fecha para ninguno de sus títulos, así que no sé qué es "
    "nuevo allí.",
    # -- las plataformas del chat ------------------------------------------------------------
    "platforms_all": "📺 Este chat ve <b>todas las plataformas</b>.\nToca las que pagas: las "
    "recomendaciones, /duracion, /nuevo y los resultados en línea mostrarán solo esas.",
    "platforms_some": "📺 Las plataformas de este chat: <b>{platforms}</b>.\nLas "
    "recomendaciones, /duracion, /nuevo y los resultados en línea muestran solo estas. Toca "
    "para cambiarlas.",
    "platforms_saved": "✅ Guardado. ",
    "platform_on": "✅ {platform}",
    "platform_off": "➕ {platform}",
    "platforms_reset": "🌐 Todas las plataformas",
    "only_mine": "Solo en tus plataformas: {platforms}",
    "show_everywhere": "🌐 Ver todas las plataformas",
    # -- por qué se parecen dos títulos ------------------------------------------------------
    "why_header": "🔗 <b>{first}</b> ({first_year}) y <b>{second}</b> ({second_year}) se "
    "parecen un {percent}.",
    "why_same": "Es el mismo título dos veces. Envía dos distintos.",
    "why_director": "🎬 Mismo director: {names}",
    "why_cast": "👥 Reparto en común: {names}",
    "why_genres": "🏷️ Géneros en común: {names}",
    "why_themes": "📖 Temas parecidos: {words}",
    "why_terms": "🔑 Términos en común más importantes: {terms}",
    "why_nothing": "No veo nada que tengan en común.",
    "why_not_found": "🔍 No encontré nada llamado «{query}».",
    # -- gráficos ----------------------------------------------------------------------------
    "stats_caption": "📊 <b>{titles}</b> en {count} plataformas · catálogo a {date}",
    "stats_line": "{platform}: {movies}, {shows}",
    "stats_platform_caption": "📊 <b>{platform}</b>: {movies} y {shows} · catálogo a {date}",
    "stats_button": "📊 {platform}",
    "stats_text_only": "(En Telegram esto va con un gráfico.)",
    "chart_overview_title": "Qué hay en cada plataforma",
    "chart_types_title": "Películas y series por plataforma",
    "chart_movies": "Películas",
    "chart_tv_shows": "Series",
    "chart_releases_title": "Títulos estrenados por año, {first}–{last}",
    "chart_year": "Año de estreno",
    "chart_titles": "Títulos",
    "chart_platform_title": "{platform} en números",
    "chart_genres": "Géneros principales",
    "chart_ratings": "Clasificación por edad",
    "chart_countries": "Países principales (indicados en {known} de {titles})",
    "chart_other_ratings": "Otras",
    "chart_unrated": "Sin clasificar",
    "chart_no_data": "Sin datos",
    # -- admin: versiones, vuelta atrás y subidas -------------------------------------------
    "versions_header": "🗂️ <b>Versiones del catálogo</b>, de la más nueva a la más antigua (se "
    "guardan las últimas {keep}):",
    "versions_line": "{marker} <code>{name}</code>\n    creada el {created} · {size} · {titles} "
    "· {quarantined} apartadas",
    "versions_none": "Aún no se ha construido ninguna versión. Ejecuta <code>streambot etl</code>.",
    "versions_hint": "/rollback vuelve a la anterior a la que está en servicio (▶️).",
    "rollback_done": "↩️ <b>Vuelta atrás</b> a <code>{to}</code>, creada el {created}.\n"
    "Títulos: {before} → {after}. Antes servía <code>{previous}</code>; /versiones las lista.",
    "rollback_none": "↩️ No hay a qué volver: {detail}",
    "upload_how": "📥 Para actualizar un catálogo, envía su archivo CSV como documento con el "
    "texto <code>/subir netflix</code>. Una plataforma nueva necesita también su nombre: "
    "<code>/subir peacock Peacock</code>.",
    "upload_checking": "📥 Revisando {file}…",
    "upload_preview": "📋 <b>Simulación</b> de {file} para {platform}{new}: {rows} filas\n"
    "➕ {added} nuevas · ➖ {removed} quitadas · ✏️ {changed} cambiadas · {unchanged} iguales",
    "upload_new_platform": " (una plataforma nueva)",
    "upload_examples_added": "Nuevos: {titles}",
    "upload_examples_removed": "Quitados: {titles}",
    "upload_examples_changed": "Cambiados: {titles}",
    "upload_changed_columns": "Columnas con más cambios: {columns}",
    "upload_quarantined": "⚠️ Se apartarían {count} filas:",
    "upload_quarantined_line": "• fila {row}, columna {column}: {reason}",
    "upload_current_unreadable": "⚠️ No se pudo leer el archivo actual ({detail}), así que "
    "todas las filas cuentan como nuevas.",
    "upload_confirm": "¿Lo aplico? El archivo actual se guarda en el historial, y nada cambia "
    "si la reconstrucción falla.",
    "upload_apply_button": "✅ Aplicar y recargar",
    "upload_cancel_button": "✖️ Cancelar",
    "upload_cancelled": "✖️ Subida cancelada. No ha cambiado nada.",
    "upload_applying": "🔄 Aplicando la subida y reconstruyendo… Mientras, sigo respondiendo con "
    "el catálogo actual.",
    "upload_done": "✅ <b>{platform}</b> actualizado con la subida.",
    "upload_undone": "La subida no se aplicó: el archivo de catálogo anterior sigue en su sitio.",
    "upload_refused": "❌ <b>Subida rechazada</b>: {reason}\nNo ha cambiado nada.",
    "upload_too_big": "el archivo pasa de {mb} MB.",
    "upload_not_csv": "no es un archivo CSV que pueda leer. {detail}",
    "upload_missing_columns": "faltan columnas. {detail}",
    "upload_no_rows": "no se pudo usar ninguna fila. {detail}",
    "upload_bad_platform": "ese nombre de plataforma no sirve. {detail}",
    "upload_display_name_needed": "una plataforma nueva necesita un nombre visible: "
    "<code>/subir {platform} Nombre Visible</code>.",
    "upload_bad_display_name": "ese nombre visible no sirve. {detail}",
    "upload_expired": "esta subida ha caducado o ya se atendió. Envía el archivo de nuevo.",
    "reload_refused": "Lo siento, solo los administradores de StreamBot pueden recargar el "
    "catálogo.",
    "reload_started": "🔄 Reconstruyendo el catálogo… Mientras tanto sigo respondiendo con el "
    "actual.",
    "reload_busy": "⏳ Ya hay una recarga en marcha. Te aviso cuando termine.",
    "reload_done": (
        "✅ <b>Catálogo recargado</b> en {seconds}\n"
        "Títulos: {before} → {after} (+{added}, −{removed})\n"
        "Con nota conocida: {coverage} de los títulos\n"
        "Versión {version}"
    ),
    "reload_failed": "❌ <b>La recarga falló</b>: {reason}\nSigo usando el catálogo anterior "
    "({titles} títulos).",
    "reload_etl": "no se pudieron procesar los datos. {detail}",
    "reload_empty_platform": "{detail} se quedó sin ningún título.",
    "reload_quarantined": "se descartaron demasiadas filas inservibles ({detail}).",
    "reload_shrunk": "el catálogo nuevo tendría solo {detail} títulos; parece un error.",
    "reload_platform_shrunk": "{detail} títulos: desaparecería más de la mitad, lo que parece "
    "un archivo dañado.",
    "reload_broken": "el catálogo nuevo no se pudo cargar ({detail}).",
    "reload_disk_full": "el disco está lleno, así que no cambió nada (la versión {detail} "
    "sigue activa).",
    "seconds": "{n} s",
    "inline_button": "Abrir StreamBot",
    "inline_match": "Detalles, y dónde verlo",
    "console_welcome": "Chat de consola de StreamBot. Escribe un título, /ayuda o /salir. "
    "Elige un botón por su número.",
    "console_no_token": "No hay TELEGRAM_BOT_TOKEN, así que StreamBot funciona aquí en la "
    "terminal. Pon el token en .env (mira .env.example) para usarlo en Telegram.",
}

CATALOGUES = {"en": EN, "es": ES}

# The commands Telegram's menu shows, per language: (command, description).
MENU = {
    "en": [
        ("recommend", "5 titles like the one you name"),
        ("info", "details of a title and where it streams"),
        ("where", "every platform that has a title"),
        ("new", "the latest additions, on one platform or all"),
        ("longest", "the longest movie or the show with most seasons"),
        ("scorecount", "movies above a score in a year"),
        ("count", "movies and shows on a platform"),
        ("actor", "the busiest actor on a platform in a year"),
        ("country", "titles from a country in a year"),
        ("rating", "titles with an age rating"),
        ("why", "what two titles share: title A | title B"),
        ("stats", "charts of the catalogue"),
        ("platforms", "choose the platforms you pay for"),
        ("lang", "change the language: es or en"),
        ("help", "what StreamBot can do"),
    ],
    "es": [
        ("recomendar", "5 títulos parecidos al que digas"),
        ("info", "detalles de un título y dónde verlo"),
        ("donde", "todas las plataformas que tienen un título"),
        ("nuevo", "lo último que ha llegado, en una plataforma o en todas"),
        ("duracion", "la película más larga o la serie con más temporadas"),
        ("puntaje", "películas con nota mayor que una dada en un año"),
        ("cantidad", "películas y series de una plataforma"),
        ("actor", "el actor con más títulos en una plataforma y año"),
        ("pais", "títulos de un país en un año"),
        ("clasificacion", "títulos con una clasificación por edad"),
        ("porque", "qué tienen en común dos títulos: título A | título B"),
        ("estadisticas", "gráficos del catálogo"),
        ("plataformas", "elige las plataformas que pagas"),
        ("idioma", "cambiar el idioma: es o en"),
        ("ayuda", "lo que sabe hacer StreamBot"),
    ],
}
ADMIN_MENU = {
    "en": [
        ("reload", "rebuild the catalogue from data/raw (admins)"),
        ("versions", "the kept catalogue versions (admins)"),
        ("rollback", "serve the previous catalogue version (admins)"),
        ("upload", "caption of a CSV file: update a platform (admins)"),
    ],
    "es": [
        ("reload", "reconstruir el catálogo desde data/raw (admins)"),
        ("versiones", "las versiones guardadas del catálogo (admins)"),
        ("rollback", "volver a la versión anterior del catálogo (admins)"),
        ("subir", "texto de un archivo CSV: actualizar una plataforma (admins)"),
    ],
}

# Canonical genre words (etl.genres' vocabulary, underscores as spaces) in each language.
GENRES = {
    "en": {"standup": "stand-up", "lgbtq": "LGBTQ"},
    "es": {
        "action": "acción",
        "adult": "adultos",
        "adventure": "aventura",
        "animals": "animales",
        "animation": "animación",
        "anime": "anime",
        "anthology": "antología",
        "arts": "arte",
        "biography": "biografía",
        "black stories": "historias afroamericanas",
        "british": "británica",
        "buddy": "amistad",
        "classic": "clásico",
        "comedy": "comedia",
        "coming of age": "crecer",
        "concert": "concierto",
        "cooking": "cocina",
        "crime": "crimen",
        "cult": "de culto",
        "culture": "cultura",
        "dance": "baile",
        "disaster": "catástrofes",
        "documentary": "documental",
        "drama": "drama",
        "entertainment": "entretenimiento",
        "faith": "fe",
        "family": "familia",
        "fantasy": "fantasía",
        "fitness": "ejercicio",
        "food": "gastronomía",
        "game show": "concursos",
        "health": "salud",
        "history": "historia",
        "horror": "terror",
        "independent": "independiente",
        "international": "internacional",
        "kids": "infantil",
        "korean": "coreana",
        "late night": "late night",
        "latino": "latina",
        "lgbtq": "LGBTQ",
        "lifestyle": "estilo de vida",
        "medical": "médica",
        "music": "música",
        "musical": "musical",
        "mystery": "misterio",
        "nature": "naturaleza",
        "news": "noticias",
        "parody": "parodia",
        "police": "policíaca",
        "reality": "reality",
        "romance": "romance",
        "science": "ciencia",
        "science fiction": "ciencia ficción",
        "sketch": "sketches",
        "soap opera": "telenovela",
        "spanish": "española",
        "special interest": "temática",
        "sports": "deportes",
        "spy": "espionaje",
        "standup": "monólogos",
        "superhero": "superhéroes",
        "survival": "supervivencia",
        "talk show": "entrevistas",
        "technology": "tecnología",
        "teen": "adolescentes",
        "thriller": "suspense",
        "travel": "viajes",
        "variety": "variedades",
        "war": "bélica",
        "wellness": "bienestar",
        "western": "western",
    },
}

# Every country in the catalogue (lowercase English, as the catalogue spells it) in Spanish.
# The parser also reads these, so "hungría" and "república checa" find "hungary" and
# "czech republic".
COUNTRIES_ES = {
    "afghanistan": "Afganistán",
    "albania": "Albania",
    "algeria": "Argelia",
    "angola": "Angola",
    "argentina": "Argentina",
    "armenia": "Armenia",
    "australia": "Australia",
    "austria": "Austria",
    "azerbaijan": "Azerbaiyán",
    "bahamas": "Bahamas",
    "bangladesh": "Bangladés",
    "belarus": "Bielorrusia",
    "belgium": "Bélgica",
    "bermuda": "Bermudas",
    "botswana": "Botsuana",
    "brazil": "Brasil",
    "bulgaria": "Bulgaria",
    "burkina faso": "Burkina Faso",
    "cambodia": "Camboya",
    "cameroon": "Camerún",
    "canada": "Canadá",
    "cayman islands": "Islas Caimán",
    "chile": "Chile",
    "china": "China",
    "colombia": "Colombia",
    "costa rica": "Costa Rica",
    "croatia": "Croacia",
    "cuba": "Cuba",
    "cyprus": "Chipre",
    "czech republic": "República Checa",
    "denmark": "Dinamarca",
    "dominican republic": "República Dominicana",
    "east germany": "Alemania Oriental",
    "ecuador": "Ecuador",
    "egypt": "Egipto",
    "ethiopia": "Etiopía",
    "finland": "Finlandia",
    "france": "Francia",
    "french polynesia": "Polinesia Francesa",
    "georgia": "Georgia",
    "germany": "Alemania",
    "ghana": "Ghana",
    "greece": "Grecia",
    "guatemala": "Guatemala",
    "hong kong": "Hong Kong",
    "hungary": "Hungría",
    "iceland": "Islandia",
    "india": "India",
    "indonesia": "Indonesia",
    "iran": "Irán",
    "iraq": "Irak",
    "ireland": "Irlanda",
    "israel": "Israel",
    "italy": "Italia",
    "jamaica": "Jamaica",
    "japan": "Japón",
    "jordan": "Jordania",
    "kazakhstan": "Kazajistán",
    "kenya": "Kenia",
    "kosovo": "Kosovo",
    "kuwait": "Kuwait",
    "latvia": "Letonia",
    "lebanon": "Líbano",
    "liechtenstein": "Liechtenstein",
    "lithuania": "Lituania",
    "luxembourg": "Luxemburgo",
    "malawi": "Malaui",
    "malaysia": "Malasia",
    "malta": "Malta",
    "mauritius": "Mauricio",
    "mexico": "México",
    "monaco": "Mónaco",
    "mongolia": "Mongolia",
    "montenegro": "Montenegro",
    "morocco": "Marruecos",
    "mozambique": "Mozambique",
    "namibia": "Namibia",
    "nepal": "Nepal",
    "netherlands": "Países Bajos",
    "new zealand": "Nueva Zelanda",
    "nicaragua": "Nicaragua",
    "nigeria": "Nigeria",
    "norway": "Noruega",
    "pakistan": "Pakistán",
    "palestine": "Palestina",
    "panama": "Panamá",
    "paraguay": "Paraguay",
    "peru": "Perú",
    "philippines": "Filipinas",
    "poland": "Polonia",
    "portugal": "Portugal",
    "puerto rico": "Puerto Rico",
    "qatar": "Catar",
    "romania": "Rumanía",
    "russia": "Rusia",
    "samoa": "Samoa",
    "saudi arabia": "Arabia Saudita",
    "senegal": "Senegal",
    "serbia": "Serbia",
    "singapore": "Singapur",
    "slovakia": "Eslovaquia",
    "slovenia": "Eslovenia",
    "somalia": "Somalia",
    "south africa": "Sudáfrica",
    "south korea": "Corea del Sur",
    "soviet union": "Unión Soviética",
    "spain": "España",
    "sri lanka": "Sri Lanka",
    "sudan": "Sudán",
    "sweden": "Suecia",
    "switzerland": "Suiza",
    "syria": "Siria",
    "taiwan": "Taiwán",
    "tanzania": "Tanzania",
    "thailand": "Tailandia",
    "tunisia": "Túnez",
    "turkey": "Turquía",
    "uganda": "Uganda",
    "ukraine": "Ucrania",
    "united arab emirates": "Emiratos Árabes Unidos",
    "united kingdom": "Reino Unido",
    "united states": "Estados Unidos",
    "united states virgin islands": "Islas Vírgenes de los Estados Unidos",
    "uruguay": "Uruguay",
    "vatican city": "Ciudad del Vaticano",
    "venezuela": "Venezuela",
    "vietnam": "Vietnam",
    "west germany": "Alemania Occidental",
    "zimbabwe": "Zimbabue",
}

# "From" before the countries whose name takes an article: "from the United States",
# "del Reino Unido". The rest take the plain word, ``from_country``.
FROM_COUNTRY = {
    "en": dict.fromkeys(
        [
            "bahamas",
            "cayman islands",
            "czech republic",
            "dominican republic",
            "netherlands",
            "philippines",
            "soviet union",
            "united arab emirates",
            "united kingdom",
            "united states",
            "united states virgin islands",
        ],
        "from the",
    ),
    "es": {
        "bahamas": "de las",
        "cayman islands": "de las",
        "czech republic": "de la",
        "dominican republic": "de la",
        "french polynesia": "de la",
        "netherlands": "de los",
        "soviet union": "de la",
        "united arab emirates": "de los",
        "united kingdom": "del",
        "united states virgin islands": "de las",
        "vatican city": "de la",
    },
}


def language_for(code: str | None) -> str:
    """The reply language for a Telegram ``language_code``: Spanish for ``es*``, else English.

    >>> language_for("es-419"), language_for("en-GB"), language_for(None), language_for("pt")
    ('es', 'en', 'en', 'en')
    """
    return "es" if (code or "").lower().startswith("es") else DEFAULT_LANGUAGE


def t(lang: str, key: str, **values: object) -> str:
    """The string ``key`` in ``lang``, formatted with ``values``.

    >>> t("es", "seconds", n=3)
    '3 s'
    """
    return CATALOGUES.get(lang, EN)[key].format(**values)


def plural(lang: str, key: str, n: int, **values: object) -> str:
    """``key_one`` or ``key_other`` in ``lang`` for ``n``, with ``n`` formatted as a number.

    >>> plural("en", "movies", 1), plural("es", "movies", 1234)
    ('1 movie', '1.234 películas')
    """
    form = "one" if n == 1 else "other"
    return t(lang, f"{key}_{form}", n=number(lang, n), **values)


def number(lang: str, value: float, decimals: int = 0) -> str:
    """``value`` written the way ``lang`` writes numbers.

    >>> number("en", 6131), number("es", 6131), number("es", 7.5, 1)
    ('6,131', '6.131', '7,5')
    """
    text = f"{value:,.{decimals}f}"
    if lang == "es":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def exact_number(lang: str, value: float) -> str:
    """``value`` with the decimals it has and no more, the way ``lang`` writes numbers.

    >>> exact_number("en", 6.95), exact_number("es", 6.95), exact_number("en", 7.0)
    ('6.95', '6,95', '7')
    """
    exponent = Decimal(repr(float(value))).normalize().as_tuple().exponent
    return number(lang, value, max(0, -int(exponent)))


def date_text(lang: str, iso: str) -> str:
    """An ISO date as ``lang`` writes it.

    >>> date_text("en", "2021-11-26"), date_text("es", "2019-03-01")
    ('26 Nov 2021', '1 mar 2019')
    """
    date = datetime.date.fromisoformat(iso)
    return f"{date.day} {MONTHS[lang][date.month - 1]} {date.year}"


MONTHS = {
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    "es": ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"],
}


def join_names(lang: str, names: Iterable[str]) -> str:
    """``a, b and c`` in ``lang``.

    >>> join_names("es", ["Netflix", "Hulu", "Disney+"])
    'Netflix, Hulu y Disney+'
    """
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + t(lang, "list_and") + names[-1]


def type_name(lang: str, item_type: str) -> str:
    """``Movie`` or ``TV show`` (or ``Película``/``Serie``) for a catalogue type."""
    return t(lang, "type_movie" if item_type == "movie" else "type_tv")


def genre_name(lang: str, genre: str) -> str:
    """A canonical genre word in ``lang``; unknown words stay as they are.

    >>> genre_name("es", "science fiction"), genre_name("en", "science fiction")
    ('ciencia ficción', 'science fiction')
    """
    return GENRES.get(lang, {}).get(genre, genre)


def country_name(lang: str, display: str) -> str:
    """A catalogue country, given as the catalogue displays it, as ``lang`` writes it.

    >>> country_name("es", "Czech Republic"), country_name("en", "Bosnia and Herzegovina")
    ('República Checa', 'Bosnia and Herzegovina')
    """
    if lang == "es":
        return COUNTRIES_ES.get(display.strip().lower(), display)
    return display


def from_country(lang: str, display: str) -> str:
    """Where titles come from, in ``lang``: "from the United States", "del Reino Unido".

    >>> from_country("en", "United Kingdom"), from_country("es", "Hungary")
    ('from the United Kingdom', 'de Hungría')
    """
    word = FROM_COUNTRY.get(lang, {}).get(display.strip().lower()) or t(lang, "from_country")
    return f"{word} {country_name(lang, display)}"
