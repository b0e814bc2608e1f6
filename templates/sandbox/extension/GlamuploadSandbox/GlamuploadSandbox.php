<?php
/**
 * What Commons does with Lua modules and its CommonsMetadata extension, done here without either, for
 * glamupload's sandbox wiki only (docs/sandbox.md). Two things:
 *
 * - {{#check parameters: unknown=TEXT | name | name ...}} in a template's body returns TEXT, with _VALUE_
 *   replaced by the parameter's name, for every parameter of the template's call that is not listed, as
 *   Commons' Module:Check for unknown parameters does. The stand-ins put a visible warning and a
 *   maintenance category in TEXT.
 * - On File: pages, the categories Commons' CommonsMetadata extension adds when the rendered page has no
 *   machine-readable licence, description, author or source (the licensetpl_* classes and the
 *   fileinfotpl_* label cells of Commons' templates, which the stand-ins write too).
 * - After every API request, a few queued jobs (purges of pages that link to a page just created, link
 *   updates): MediaWiki runs jobs after page views only, and glamupload talks to the API, so without this
 *   an Institution page would show its new category as a red link until someone browsed the wiki long
 *   enough. Commons' job runners do this within seconds.
 */
class GlamuploadSandbox {
	/** Information field ids that count as each kind of attribution metadata. */
	private const FIELDS = [
		'description' => [ 'fileinfotpl_desc' ],
		'author' => [ 'fileinfotpl_aut', 'fileinfotpl_credit' ],
		'source' => [ 'fileinfotpl_src', 'fileinfotpl_credit' ],
	];

	public static function onParserFirstCallInit( Parser $parser ): void {
		$parser->setFunctionHook( 'checkparameters', [ self::class, 'checkParameters' ], Parser::SFH_OBJECT_ARGS );
	}

	/**
	 * @param Parser $parser
	 * @param PPFrame $frame the frame of the template whose body calls the function
	 * @param array $args the first argument as a string, the others as nodes
	 * @return string
	 */
	public static function checkParameters( Parser $parser, PPFrame $frame, array $args ): string {
		$known = [];
		$unknown = '';
		foreach ( $args as $arg ) {
			if ( $arg instanceof PPNode ) {
				$bits = $arg->splitArg();
				$name = trim( $frame->expand( $bits['name'] ) );
				$value = trim( $frame->expand( $bits['value'] ) );
			} else {
				[ $name, $value ] = array_pad( explode( '=', (string)$arg, 2 ), 2, null );
				if ( $value === null ) {
					[ $name, $value ] = [ '', $name ];
				}
				$name = trim( $name );
				$value = trim( $value );
			}
			if ( $name === 'unknown' ) {
				$unknown = $value;
			} elseif ( $name === '' && $value !== '' ) {
				$known[$value] = true;
			}
		}
		if ( !( $frame instanceof PPTemplateFrame_Hash ) ) {
			return '';
		}
		$out = '';
		$names = array_merge( array_keys( $frame->numberedArgs ), array_keys( $frame->namedArgs ) );
		foreach ( $names as $name ) {
			$name = (string)$name;
			if ( !isset( $known[$name] ) ) {
				$out .= str_replace( '_VALUE_', wfEscapeWikiText( $name ), $unknown );
			}
		}
		return $out;
	}

	public static function onAPIAfterExecute( ApiBase $module ): void {
		global $wgGlamuploadSandboxJobsPerApiRequest;
		$jobs = (int)$wgGlamuploadSandboxJobsPerApiRequest;
		if ( $jobs <= 0 || MediaWiki\MediaWikiServices::getInstance()->getReadOnlyMode()->isReadOnly() ) {
			return;
		}
		DeferredUpdates::addUpdate( new TransactionRoundDefiningUpdate( static function () use ( $jobs ) {
			MediaWiki\MediaWikiServices::getInstance()->getJobRunner()->run( [ 'maxJobs' => $jobs, 'maxTime' => 10 ] );
		}, __METHOD__ ) );
	}

	public static function onContentAlterParserOutput( Content $content, Title $title, ParserOutput $output ): void {
		global $wgGlamuploadSandboxMaintenanceCategories;
		if ( !$title->inNamespace( NS_FILE ) || !$output->hasText()
			|| $content->getModel() !== CONTENT_MODEL_WIKITEXT
		) {
			return;
		}
		foreach ( self::missingMetadata( $output->getRawText() ) as $key ) {
			$category = $wgGlamuploadSandboxMaintenanceCategories[$key] ?? null;
			if ( $category ) {
				$output->addCategory( strtr( $category, ' ', '_' ) );
			}
		}
	}

	/**
	 * The kinds of attribution metadata the rendered page lacks: no-license, no-description, no-author,
	 * no-source.
	 * @param string $html
	 * @return string[]
	 */
	private static function missingMetadata( string $html ): array {
		$doc = new DOMDocument();
		$previous = libxml_use_internal_errors( true );
		$doc->loadHTML( '<?xml encoding="utf-8"?><html><body>' . $html . '</body></html>' );
		libxml_clear_errors();
		libxml_use_internal_errors( $previous );
		$xpath = new DOMXPath( $doc );
		$missing = [];
		$short = $xpath->query( self::withClass( 'licensetpl_short' ) );
		if ( !self::anyText( $short ) ) {
			$missing[] = 'no-license';
		}
		foreach ( self::FIELDS as $kind => $ids ) {
			$found = false;
			foreach ( $ids as $id ) {
				$values = $xpath->query( "//*[@id='$id' or " . self::classTest( $id ) . "]/following-sibling::*[1]" );
				$found = $found || self::anyText( $values );
			}
			if ( !$found ) {
				$missing[] = "no-$kind";
			}
		}
		return $missing;
	}

	private static function classTest( string $class ): string {
		return "contains(concat(' ', normalize-space(@class), ' '), ' $class ')";
	}

	private static function withClass( string $class ): string {
		return '//*[' . self::classTest( $class ) . ']';
	}

	/**
	 * @param DOMNodeList|false $nodes
	 * @return bool
	 */
	private static function anyText( $nodes ): bool {
		foreach ( $nodes ?: [] as $node ) {
			if ( trim( $node->textContent ) !== '' ) {
				return true;
			}
		}
		return false;
	}
}
