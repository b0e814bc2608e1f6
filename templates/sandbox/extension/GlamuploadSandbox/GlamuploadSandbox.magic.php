<?php
/** The parser function's name: {{#check parameters: ...}}. */
$magicWords = [];
$magicWords['en'] = [
	'checkparameters' => [ 0, 'check parameters' ],
];
