// The etl language grammar (ANTLR 4). Normative description: docs/language.md.
//
// Newlines are not significant; `;` may separate statements. Most keywords are
// "soft": they are keywords only where the grammar expects them and plain names
// elsewhere (see `name`), so a field may be called `date`, `left` or `timeout`.
// C++ is generated from this file into the build tree; only compiler/syntax sees it.
grammar Etl;

// ---------------------------------------------------------------- declarations

file : (decl | SEMI)* EOF ;

decl
  : importDecl
  | schemaDecl
  | constDecl
  | fnDecl
  | paramDecl
  | pipelineDecl
  | testDecl
  ;

importDecl   : IMPORT STRING (AS name)? ;
schemaDecl   : SCHEMA name LBRACE (fieldDecl (COMMA | SEMI)?)* RBRACE ;
fieldDecl    : name COLON type (ASSIGN expr)? ;
constDecl    : CONST name (COLON type)? ASSIGN expr ;
fnDecl       : FN name LPAREN (fnParam (COMMA fnParam)* COMMA?)? RPAREN (ARROW type)? ASSIGN expr ;
fnParam      : name COLON type ;
paramDecl    : PARAM name COLON type (ASSIGN expr)? ;
pipelineDecl : PIPELINE name LBRACE pipelineItem* RBRACE ;
testDecl     : TEST STRING FOR name LBRACE testItem* RBRACE ;

// ---------------------------------------------------------------- types

type
  : baseType QUESTION?
  ;

baseType
  : name LT type GT                               # genericType   // list<T>, map<T>
  | name LPAREN INT COMMA INT RPAREN              # decimalType   // decimal(p, s)
  | LBRACE (fieldDecl (COMMA | SEMI)?)* RBRACE    # recordType
  | qualifiedName                                 # namedType     // int, Order, lib.Order
  ;

qualifiedName : name (DOT name)? ;

// ---------------------------------------------------------------- pipelines

pipelineItem
  : setting
  | binding
  | flow
  | SEMI
  ;

setting
  : SCHEDULE STRING (TZ STRING)?                  # scheduleCron
  | SCHEDULE EVERY DURATION                       # scheduleEvery
  | AFTER afterTarget (COMMA afterTarget)*        # afterSetting
  | ON call                                       # triggerSetting
  | RETRY INT (BACKOFF DURATION)?                 # retrySetting
  | TIMEOUT DURATION                              # timeoutSetting
  | MAX_ERRORS INT                                # maxErrorsSetting
  | PERSIST name                                  # persistSetting      // disk | memory
  | JIT name                                      # jitSetting          // on | off | auto
  | CONCURRENCY INT                               # concurrencySetting
  ;

afterTarget
  : ANY LPAREN name (COMMA name)* RPAREN
  | name
  ;

binding : name ASSIGN chain ;
flow    : chain ;

chain : head (PIPE op)* ;

head
  : FROM call                                     # fromHead
  | UNION LPAREN streamRef (COMMA streamRef)* COMMA? RPAREN   # unionHead
  | streamRef                                     # refHead
  ;

streamRef : name (DOT name)? ;

op
  : FILTER expr                                                   # filterOp
  | DERIVE assignment (COMMA assignment)*                         # deriveOp
  | SELECT selectItem (COMMA selectItem)*                         # selectOp
  | DROP name (COMMA name)*                                       # dropOp
  | RENAME renameItem (COMMA renameItem)*                         # renameOp
  | ROUTE LBRACE routeBranch* RBRACE                              # routeOp
  | EXPLODE expr AS name                                          # explodeOp
  | AGGREGATE (BY keyItem (COMMA keyItem)*)? windowClause?
      LBRACE (assignment (COMMA | SEMI)?)* RBRACE windowClause?   # aggregateOp
  | DEDUP BY expr (COMMA expr)* (WITHIN DURATION)?                # dedupOp
  | SORT BY sortKey (COMMA sortKey)*                              # sortOp
  | TAKE INT                                                      # takeOp
  | JOIN (LEFT | INNER)? streamRef ON expr                        # joinOp
  | VALIDATE LBRACE (validateRule (COMMA | SEMI)?)* RBRACE        # validateOp
  | INTO call                                                     # intoOp
  | call                                                          # callOp
  ;

assignment  : name ASSIGN expr ;
selectItem  : name ASSIGN expr | name ;
renameItem  : name AS name ;
routeBranch : name COLON (ELSE | expr) (COMMA | SEMI)? ;
keyItem     : name ASSIGN expr | expr ;
windowClause: WINDOW call ;
sortKey     : expr (ASC | DESC)? ;
validateRule: expr COLON STRING ;

call : qualifiedName LPAREN (argument (COMMA argument)* COMMA?)? RPAREN ;
// `null` is reserved but is also the name of csv's null-marker parameter (`null: "NA"`).
argument : (name | NULL_KW) COLON expr | expr ;

// ---------------------------------------------------------------- tests

testItem
  : GIVEN name ASSIGN expr                                        # givenItem
  | EXPECT streamRef HAS expr ROWS                                # expectRows
  | EXPECT streamRef IS EMPTY                                     # expectEmpty
  | EXPECT expr                                                   # expectExpr
  | SEMI                                                          # testSemi
  ;

// ---------------------------------------------------------------- expressions
// Loosest first: if; or; and; not; comparisons (== != < <= > >= in, not in, is null,
// ~); ??; + -; * / %; unary -; postfix (call, .field, ?.field, [index]).

expr
  : IF expr THEN expr ELSE expr                   # ifExpr
  | orExpr                                        # plainExpr
  ;

orExpr  : andExpr (OR andExpr)* ;
andExpr : notExpr (AND notExpr)* ;
notExpr : NOT notExpr | cmpExpr ;

cmpExpr
  : coalesceExpr
      ( cmpOp coalesceExpr
      | NOT? IN coalesceExpr
      | IS NOT? NULL_KW
      | TILDE coalesceExpr
      )?
  ;

cmpOp : EQ | NEQ | LT | LE | GT | GE ;

coalesceExpr : addExpr (COALESCE addExpr)* ;
addExpr      : mulExpr ((PLUS | MINUS) mulExpr)* ;
mulExpr      : unaryExpr ((STAR | SLASH | PERCENT) unaryExpr)* ;
unaryExpr    : MINUS unaryExpr | postfixExpr ;

postfixExpr : primary postfix* ;

postfix
  : LPAREN (argument (COMMA argument)* COMMA?)? RPAREN    # callPostfix
  | DOT name                                              # fieldPostfix
  | SAFE_DOT name                                         # safeFieldPostfix
  | LBRACKET expr RBRACKET                                # indexPostfix
  ;

primary
  : INT                                           # intLit
  | FLOAT                                         # floatLit
  | STRING                                        # stringLit
  | RAW_STRING                                    # rawStringLit
  | TRUE                                          # trueLit
  | FALSE                                         # falseLit
  | NULL_KW                                       # nullLit
  | DURATION                                      # durationLit
  | DATE                                          # dateLit
  | TIMESTAMP                                     # timestampLit
  | LBRACKET (expr (COMMA expr)* COMMA?)? RBRACKET          # listLit
  | LBRACE (recordField (COMMA recordField)* COMMA?)? RBRACE   # recordLit
  | MATCH expr LBRACE matchArm* RBRACE            # matchExpr
  | LPAREN expr RPAREN                            # parenExpr
  | name                                          # nameRef
  ;

recordField : (name | STRING) COLON expr ;

matchArm : pattern (PIPE pattern)* FAT_ARROW expr (COMMA | SEMI)? ;

pattern
  : UNDERSCORE
  | MINUS? (INT | FLOAT)
  | STRING | RAW_STRING | TRUE | FALSE | NULL_KW | DURATION | DATE | TIMESTAMP
  | qualifiedName
  ;

// A name: an identifier, a `backtick` identifier, or a soft keyword used as a name.
name : IDENT | BACKTICK_IDENT | softKeyword ;

softKeyword
  : AS | SCHEMA | CONST | FN | PARAM | PIPELINE | TEST | FOR | IMPORT
  | SCHEDULE | EVERY | TZ | AFTER | ANY | ON | RETRY | BACKOFF | TIMEOUT | MAX_ERRORS
  | PERSIST | JIT | CONCURRENCY
  | FILTER | DERIVE | SELECT | DROP | RENAME | ROUTE | EXPLODE | AGGREGATE | BY
  | WINDOW | DEDUP | WITHIN | SORT | ASC | DESC | TAKE | JOIN | LEFT | INNER
  | VALIDATE | UNION | GIVEN | EXPECT | HAS | ROWS | EMPTY
  ;

// ---------------------------------------------------------------- lexer

// Reserved words (cannot be names without backticks).
FROM   : 'from' ;
INTO   : 'into' ;
IF     : 'if' ;
THEN   : 'then' ;
ELSE   : 'else' ;
MATCH  : 'match' ;
AND    : 'and' ;
OR     : 'or' ;
NOT    : 'not' ;
IN     : 'in' ;
IS     : 'is' ;
NULL_KW : 'null' ;  // not `NULL`: that would clash with the C macro in the generated C++
TRUE   : 'true' ;
FALSE  : 'false' ;

// Soft keywords.
AS          : 'as' ;
SCHEMA      : 'schema' ;
CONST       : 'const' ;
FN          : 'fn' ;
PARAM       : 'param' ;
PIPELINE    : 'pipeline' ;
TEST        : 'test' ;
FOR         : 'for' ;
IMPORT      : 'import' ;
SCHEDULE    : 'schedule' ;
EVERY       : 'every' ;
TZ          : 'tz' ;
AFTER       : 'after' ;
ANY         : 'any' ;
ON          : 'on' ;
RETRY       : 'retry' ;
BACKOFF     : 'backoff' ;
TIMEOUT     : 'timeout' ;
MAX_ERRORS  : 'max_errors' ;
PERSIST     : 'persist' ;
JIT         : 'jit' ;
CONCURRENCY : 'concurrency' ;
FILTER      : 'filter' ;
DERIVE      : 'derive' ;
SELECT      : 'select' ;
DROP        : 'drop' ;
RENAME      : 'rename' ;
ROUTE       : 'route' ;
EXPLODE     : 'explode' ;
AGGREGATE   : 'aggregate' ;
BY          : 'by' ;
WINDOW      : 'window' ;
DEDUP       : 'dedup' ;
WITHIN      : 'within' ;
SORT        : 'sort' ;
ASC         : 'asc' ;
DESC        : 'desc' ;
TAKE        : 'take' ;
JOIN        : 'join' ;
LEFT        : 'left' ;
INNER       : 'inner' ;
VALIDATE    : 'validate' ;
UNION       : 'union' ;
GIVEN       : 'given' ;
EXPECT      : 'expect' ;
HAS         : 'has' ;
ROWS        : 'rows' ;
EMPTY       : 'empty' ;

// Punctuation.
ARROW     : '->' ;
FAT_ARROW : '=>' ;
COALESCE  : '??' ;
SAFE_DOT  : '?.' ;
EQ        : '==' ;
NEQ       : '!=' ;
LE        : '<=' ;
GE        : '>=' ;
LT        : '<' ;
GT        : '>' ;
ASSIGN    : '=' ;
PLUS      : '+' ;
MINUS     : '-' ;
STAR      : '*' ;
SLASH     : '/' ;
PERCENT   : '%' ;
TILDE     : '~' ;
PIPE      : '|' ;
DOT       : '.' ;
COMMA     : ',' ;
COLON     : ':' ;
SEMI      : ';' ;
QUESTION  : '?' ;
LPAREN    : '(' ;
RPAREN    : ')' ;
LBRACKET  : '[' ;
RBRACKET  : ']' ;
LBRACE    : '{' ;
RBRACE    : '}' ;
UNDERSCORE: '_' ;

// Literals. Value checks (ranges, calendar dates, escapes) happen in compiler/syntax,
// which reports them with precise diagnostics instead of a generic syntax error.
DURATION  : (DIGITS DURATION_UNIT)+ ;
fragment DURATION_UNIT : 'us' | 'ms' | 's' | 'm' | 'h' | 'd' | 'w' ;
TIMESTAMP : '@' DATE_BODY 'T' [0-9][0-9] ':' [0-9][0-9] (':' [0-9][0-9] ('.' [0-9]+)?)? ('Z' | [+-] [0-9][0-9] ':' [0-9][0-9])? ;
DATE      : '@' DATE_BODY ;
fragment DATE_BODY : [0-9][0-9][0-9][0-9] '-' [0-9][0-9] '-' [0-9][0-9] ;
FLOAT     : DIGITS '.' DIGITS EXPONENT? | DIGITS EXPONENT ;
INT       : DIGITS ;
fragment DIGITS   : [0-9] ([0-9_]* [0-9])? ;
fragment EXPONENT : [eE] [+-]? [0-9]+ ;

// A string with `${expr}` interpolations; the lexer only finds its end (interpolated
// expressions may contain strings and braces); compiler/syntax splits and parses it.
// `$` is split out so that `${` can only start an interpolation: if it could also be two
// plain characters, every nesting level of `"${"${...}"}"` would double the lexer's work.
STRING     : '"' (ESCAPE | '$'* INTERP | '$'+ (ESCAPE | ~["\\\r\n${]) | ~["\\\r\n$])* '$'* '"' ;
RAW_STRING : 'r"' ~["]* '"' ;
fragment ESCAPE : '\\' . ;
fragment INTERP : '${' (STRING | INTERP_BRACES | ~["{}])* '}' ;
fragment INTERP_BRACES : '{' (STRING | INTERP_BRACES | ~["{}])* '}' ;

// A string or comment that runs to the end of the line / file: reported by compiler/syntax.
UNTERMINATED_STRING : '"' (ESCAPE | ~["\\\r\n])* ;
UNTERMINATED_BLOCK_COMMENT : '/*' (~[*] | '*'+ ~[*/])* '*'* EOF ;

BACKTICK_IDENT : '`' ~[`\r\n]+ '`' ;
IDENT          : [A-Za-z_] [A-Za-z0-9_]+ | [A-Za-z] ;

DOC_COMMENT   : '///' ~[\r\n]* -> channel(2) ;
LINE_COMMENT  : '//' ~[\r\n]* -> channel(2) ;
BLOCK_COMMENT : '/*' .*? '*/' -> channel(2) ;
WS            : [ \t\r\n\u000C]+ -> channel(HIDDEN) ;

// Anything else is one bad character, reported by compiler/syntax.
BAD_CHAR : . ;
