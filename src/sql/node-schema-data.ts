// The field layout of every libpg-query (PostgreSQL 18) parse-tree node, so the walker
// can visit every field of every node without guessing: fields typed as a node hold a
// wrapped node ({"SelectStmt": {...}}), others hold an inline struct of a known type
// (SelectStmt.larg is an unwrapped SelectStmt, DeleteStmt.relation an unwrapped RangeVar).
//
// Generated from @pgsql/types/types.d.ts; test/sql/node-schema.test.ts regenerates it and
// fails when libpg-query's tree changes, so an upgrade cannot leave fields unwalked.
// Kinds: n = one wrapped node, N = a list of wrapped nodes, s = scalar or enum (nothing
// to walk), otherwise an inline struct type name, with [] for a list of them.
export const NODE_SCHEMA_SOURCE: Readonly<Record<string, string>> = {
  ParseResult: 'version:s stmts:RawStmt[]',
  ScanResult: 'version:s tokens:ScanToken[]',
  Integer: 'ival:s',
  Float: 'fval:s',
  Boolean: 'boolval:s',
  String: 'sval:s',
  BitString: 'bsval:s',
  List: 'items:N',
  OidList: 'items:N',
  IntList: 'items:N',
  A_Const:
    'ival:Integer fval:Float boolval:Boolean sval:String bsval:BitString isnull:s location:s',
  Alias: 'aliasname:s colnames:N',
  RangeVar: 'catalogname:s schemaname:s relname:s inh:s relpersistence:s alias:Alias location:s',
  TableFunc:
    'functype:s ns_uris:N ns_names:N docexpr:n rowexpr:n colnames:N coltypes:N coltypmods:N colcollations:N colexprs:N coldefexprs:N colvalexprs:N passingvalexprs:N notnulls:s plan:n ordinalitycol:s location:s',
  IntoClause:
    'rel:RangeVar colNames:N accessMethod:s options:N onCommit:s tableSpaceName:s viewQuery:Query skipData:s',
  Var: 'xpr:n varno:s varattno:s vartype:s vartypmod:s varcollid:s varnullingrels:s varlevelsup:s varreturningtype:s location:s',
  Param: 'xpr:n paramkind:s paramid:s paramtype:s paramtypmod:s paramcollid:s location:s',
  Aggref:
    'xpr:n aggfnoid:s aggtype:s aggcollid:s inputcollid:s aggargtypes:N aggdirectargs:N args:N aggorder:N aggdistinct:N aggfilter:n aggstar:s aggvariadic:s aggkind:s agglevelsup:s aggsplit:s aggno:s aggtransno:s location:s',
  GroupingFunc: 'xpr:n args:N refs:N agglevelsup:s location:s',
  WindowFunc:
    'xpr:n winfnoid:s wintype:s wincollid:s inputcollid:s args:N aggfilter:n runCondition:N winref:s winstar:s winagg:s location:s',
  WindowFuncRunCondition: 'xpr:n opno:s inputcollid:s wfunc_left:s arg:n',
  MergeSupportFunc: 'xpr:n msftype:s msfcollid:s location:s',
  SubscriptingRef:
    'xpr:n refcontainertype:s refelemtype:s refrestype:s reftypmod:s refcollid:s refupperindexpr:N reflowerindexpr:N refexpr:n refassgnexpr:n',
  FuncExpr:
    'xpr:n funcid:s funcresulttype:s funcretset:s funcvariadic:s funcformat:s funccollid:s inputcollid:s args:N location:s',
  NamedArgExpr: 'xpr:n arg:n name:s argnumber:s location:s',
  OpExpr: 'xpr:n opno:s opresulttype:s opretset:s opcollid:s inputcollid:s args:N location:s',
  DistinctExpr: 'xpr:n opno:s opresulttype:s opretset:s opcollid:s inputcollid:s args:N location:s',
  NullIfExpr: 'xpr:n opno:s opresulttype:s opretset:s opcollid:s inputcollid:s args:N location:s',
  ScalarArrayOpExpr: 'xpr:n opno:s useOr:s inputcollid:s args:N location:s',
  BoolExpr: 'xpr:n boolop:s args:N location:s',
  SubLink: 'xpr:n subLinkType:s subLinkId:s testexpr:n operName:N subselect:n location:s',
  SubPlan:
    'xpr:n subLinkType:s testexpr:n paramIds:N plan_id:s plan_name:s firstColType:s firstColTypmod:s firstColCollation:s useHashTable:s unknownEqFalse:s parallel_safe:s setParam:N parParam:N args:N startup_cost:s per_call_cost:s',
  AlternativeSubPlan: 'xpr:n subplans:N',
  FieldSelect: 'xpr:n arg:n fieldnum:s resulttype:s resulttypmod:s resultcollid:s',
  FieldStore: 'xpr:n arg:n newvals:N fieldnums:N resulttype:s',
  RelabelType: 'xpr:n arg:n resulttype:s resulttypmod:s resultcollid:s relabelformat:s location:s',
  CoerceViaIO: 'xpr:n arg:n resulttype:s resultcollid:s coerceformat:s location:s',
  ArrayCoerceExpr:
    'xpr:n arg:n elemexpr:n resulttype:s resulttypmod:s resultcollid:s coerceformat:s location:s',
  ConvertRowtypeExpr: 'xpr:n arg:n resulttype:s convertformat:s location:s',
  CollateExpr: 'xpr:n arg:n collOid:s location:s',
  CaseExpr: 'xpr:n casetype:s casecollid:s arg:n args:N defresult:n location:s',
  CaseWhen: 'xpr:n expr:n result:n location:s',
  CaseTestExpr: 'xpr:n typeId:s typeMod:s collation:s',
  ArrayExpr:
    'xpr:n array_typeid:s array_collid:s element_typeid:s elements:N multidims:s list_start:s list_end:s location:s',
  RowExpr: 'xpr:n args:N row_typeid:s row_format:s colnames:N location:s',
  RowCompareExpr: 'xpr:n cmptype:s opnos:N opfamilies:N inputcollids:N largs:N rargs:N',
  CoalesceExpr: 'xpr:n coalescetype:s coalescecollid:s args:N location:s',
  MinMaxExpr: 'xpr:n minmaxtype:s minmaxcollid:s inputcollid:s op:s args:N location:s',
  SQLValueFunction: 'xpr:n op:s type:s typmod:s location:s',
  XmlExpr:
    'xpr:n op:s name:s named_args:N arg_names:N args:N xmloption:s indent:s type:s typmod:s location:s',
  JsonFormat: 'format_type:s encoding:s location:s',
  JsonReturning: 'format:JsonFormat typid:s typmod:s',
  JsonValueExpr: 'raw_expr:n formatted_expr:n format:JsonFormat',
  JsonConstructorExpr:
    'xpr:n type:s args:N func:n coercion:n returning:JsonReturning absent_on_null:s unique:s location:s',
  JsonIsPredicate: 'expr:n format:JsonFormat item_type:s unique_keys:s location:s',
  JsonBehavior: 'btype:s expr:n coerce:s location:s',
  JsonExpr:
    'xpr:n op:s column_name:s formatted_expr:n format:JsonFormat path_spec:n returning:JsonReturning passing_names:N passing_values:N on_empty:JsonBehavior on_error:JsonBehavior use_io_coercion:s use_json_coercion:s wrapper:s omit_quotes:s collation:s location:s',
  JsonTablePath: 'name:s',
  JsonTablePathScan: 'plan:n path:JsonTablePath errorOnError:s child:n colMin:s colMax:s',
  JsonTableSiblingJoin: 'plan:n lplan:n rplan:n',
  NullTest: 'xpr:n arg:n nulltesttype:s argisrow:s location:s',
  BooleanTest: 'xpr:n arg:n booltesttype:s location:s',
  MergeAction: 'matchKind:s commandType:s override:s qual:n targetList:N updateColnos:N',
  CoerceToDomain:
    'xpr:n arg:n resulttype:s resulttypmod:s resultcollid:s coercionformat:s location:s',
  CoerceToDomainValue: 'xpr:n typeId:s typeMod:s collation:s location:s',
  SetToDefault: 'xpr:n typeId:s typeMod:s collation:s location:s',
  CurrentOfExpr: 'xpr:n cvarno:s cursor_name:s cursor_param:s',
  NextValueExpr: 'xpr:n seqid:s typeId:s',
  InferenceElem: 'xpr:n expr:n infercollid:s inferopclass:s',
  ReturningExpr: 'xpr:n retlevelsup:s retold:s retexpr:n',
  TargetEntry:
    'xpr:n expr:n resno:s resname:s ressortgroupref:s resorigtbl:s resorigcol:s resjunk:s',
  RangeTblRef: 'rtindex:s',
  JoinExpr:
    'jointype:s isNatural:s larg:n rarg:n usingClause:N join_using_alias:Alias quals:n alias:Alias rtindex:s',
  FromExpr: 'fromlist:N quals:n',
  OnConflictExpr:
    'action:s arbiterElems:N arbiterWhere:n constraint:s onConflictSet:N onConflictWhere:n exclRelIndex:s exclRelTlist:N',
  Query:
    'commandType:s querySource:s canSetTag:s utilityStmt:n resultRelation:s hasAggs:s hasWindowFuncs:s hasTargetSRFs:s hasSubLinks:s hasDistinctOn:s hasRecursive:s hasModifyingCTE:s hasForUpdate:s hasRowSecurity:s hasGroupRTE:s isReturn:s cteList:N rtable:N rteperminfos:N jointree:FromExpr mergeActionList:N mergeTargetRelation:s mergeJoinCondition:n targetList:N override:s onConflict:OnConflictExpr returningOldAlias:s returningNewAlias:s returningList:N groupClause:N groupDistinct:s groupingSets:N havingQual:n windowClause:N distinctClause:N sortClause:N limitOffset:n limitCount:n limitOption:s rowMarks:N setOperations:n constraintDeps:N withCheckOptions:N stmt_location:s stmt_len:s',
  TypeName: 'names:N typeOid:s setof:s pct_type:s typmods:N typemod:s arrayBounds:N location:s',
  ColumnRef: 'fields:N location:s',
  ParamRef: 'number:s location:s',
  A_Expr: 'kind:s name:N lexpr:n rexpr:n rexpr_list_start:s rexpr_list_end:s location:s',
  TypeCast: 'arg:n typeName:TypeName location:s',
  CollateClause: 'arg:n collname:N location:s',
  RoleSpec: 'roletype:s rolename:s location:s',
  FuncCall:
    'funcname:N args:N agg_order:N agg_filter:n over:WindowDef agg_within_group:s agg_star:s agg_distinct:s func_variadic:s funcformat:s location:s',
  A_Star: '',
  A_Indices: 'is_slice:s lidx:n uidx:n',
  A_Indirection: 'arg:n indirection:N',
  A_ArrayExpr: 'elements:N list_start:s list_end:s location:s',
  ResTarget: 'name:s indirection:N val:n location:s',
  MultiAssignRef: 'source:n colno:s ncolumns:s',
  SortBy: 'node:n sortby_dir:s sortby_nulls:s useOp:N location:s',
  WindowDef:
    'name:s refname:s partitionClause:N orderClause:N frameOptions:s startOffset:n endOffset:n location:s',
  RangeSubselect: 'lateral:s subquery:n alias:Alias',
  RangeFunction: 'lateral:s ordinality:s is_rowsfrom:s functions:N alias:Alias coldeflist:N',
  RangeTableFunc: 'lateral:s docexpr:n rowexpr:n namespaces:N columns:N alias:Alias location:s',
  RangeTableFuncCol:
    'colname:s typeName:TypeName for_ordinality:s is_not_null:s colexpr:n coldefexpr:n location:s',
  RangeTableSample: 'relation:n method:N args:N repeatable:n location:s',
  ColumnDef:
    'colname:s typeName:TypeName compression:s inhcount:s is_local:s is_not_null:s is_from_type:s storage:s storage_name:s raw_default:n cooked_default:n identity:s identitySequence:RangeVar generated:s collClause:CollateClause collOid:s constraints:N fdwoptions:N location:s',
  TableLikeClause: 'relation:RangeVar options:s relationOid:s',
  IndexElem:
    'name:s expr:n indexcolname:s collation:N opclass:N opclassopts:N ordering:s nulls_ordering:s',
  DefElem: 'defnamespace:s defname:s arg:n defaction:s location:s',
  LockingClause: 'lockedRels:N strength:s waitPolicy:s',
  XmlSerialize: 'xmloption:s expr:n typeName:TypeName indent:s location:s',
  PartitionElem: 'name:s expr:n collation:N opclass:N location:s',
  PartitionSpec: 'strategy:s partParams:N location:s',
  PartitionBoundSpec:
    'strategy:s is_default:s modulus:s remainder:s listdatums:N lowerdatums:N upperdatums:N location:s',
  PartitionRangeDatum: 'kind:s value:n location:s',
  PartitionCmd: 'name:RangeVar bound:PartitionBoundSpec concurrent:s',
  RangeTblEntry:
    'alias:Alias eref:Alias rtekind:s relid:s inh:s relkind:s rellockmode:s perminfoindex:s tablesample:TableSampleClause subquery:Query security_barrier:s jointype:s joinmergedcols:s joinaliasvars:N joinleftcols:N joinrightcols:N join_using_alias:Alias functions:N funcordinality:s tablefunc:TableFunc values_lists:N ctename:s ctelevelsup:s self_reference:s coltypes:N coltypmods:N colcollations:N enrname:s enrtuples:s groupexprs:N lateral:s inFromCl:s securityQuals:N',
  RTEPermissionInfo:
    'relid:s inh:s requiredPerms:s checkAsUser:s selectedCols:s insertedCols:s updatedCols:s',
  RangeTblFunction:
    'funcexpr:n funccolcount:s funccolnames:N funccoltypes:N funccoltypmods:N funccolcollations:N funcparams:s',
  TableSampleClause: 'tsmhandler:s args:N repeatable:n',
  WithCheckOption: 'kind:s relname:s polname:s qual:n cascaded:s',
  SortGroupClause: 'tleSortGroupRef:s eqop:s sortop:s reverse_sort:s nulls_first:s hashable:s',
  GroupingSet: 'kind:s content:N location:s',
  WindowClause:
    'name:s refname:s partitionClause:N orderClause:N frameOptions:s startOffset:n endOffset:n startInRangeFunc:s endInRangeFunc:s inRangeColl:s inRangeAsc:s inRangeNullsFirst:s winref:s copiedOrder:s',
  RowMarkClause: 'rti:s strength:s waitPolicy:s pushedDown:s',
  WithClause: 'ctes:N recursive:s location:s',
  InferClause: 'indexElems:N whereClause:n conname:s location:s',
  OnConflictClause: 'action:s infer:InferClause targetList:N whereClause:n location:s',
  CTESearchClause: 'search_col_list:N search_breadth_first:s search_seq_column:s location:s',
  CTECycleClause:
    'cycle_col_list:N cycle_mark_column:s cycle_mark_value:n cycle_mark_default:n cycle_path_column:s location:s cycle_mark_type:s cycle_mark_typmod:s cycle_mark_collation:s cycle_mark_neop:s',
  CommonTableExpr:
    'ctename:s aliascolnames:N ctematerialized:s ctequery:n search_clause:CTESearchClause cycle_clause:CTECycleClause location:s cterecursive:s cterefcount:s ctecolnames:N ctecoltypes:N ctecoltypmods:N ctecolcollations:N',
  MergeWhenClause: 'matchKind:s commandType:s override:s condition:n targetList:N values:N',
  ReturningOption: 'option:s value:s location:s',
  ReturningClause: 'options:N exprs:N',
  TriggerTransition: 'name:s isNew:s isTable:s',
  JsonOutput: 'typeName:TypeName returning:JsonReturning',
  JsonArgument: 'val:JsonValueExpr name:s',
  JsonFuncExpr:
    'op:s column_name:s context_item:JsonValueExpr pathspec:n passing:N output:JsonOutput on_empty:JsonBehavior on_error:JsonBehavior wrapper:s quotes:s location:s',
  JsonTablePathSpec: 'string:n name:s name_location:s location:s',
  JsonTable:
    'context_item:JsonValueExpr pathspec:JsonTablePathSpec passing:N columns:N on_error:JsonBehavior alias:Alias lateral:s location:s',
  JsonTableColumn:
    'coltype:s name:s typeName:TypeName pathspec:JsonTablePathSpec format:JsonFormat wrapper:s quotes:s columns:N on_empty:JsonBehavior on_error:JsonBehavior location:s',
  JsonKeyValue: 'key:n value:JsonValueExpr',
  JsonParseExpr: 'expr:JsonValueExpr output:JsonOutput unique_keys:s location:s',
  JsonScalarExpr: 'expr:n output:JsonOutput location:s',
  JsonSerializeExpr: 'expr:JsonValueExpr output:JsonOutput location:s',
  JsonObjectConstructor: 'exprs:N output:JsonOutput absent_on_null:s unique:s location:s',
  JsonArrayConstructor: 'exprs:N output:JsonOutput absent_on_null:s location:s',
  JsonArrayQueryConstructor:
    'query:n output:JsonOutput format:JsonFormat absent_on_null:s location:s',
  JsonAggConstructor: 'output:JsonOutput agg_filter:n agg_order:N over:WindowDef location:s',
  JsonObjectAgg: 'constructor:JsonAggConstructor arg:JsonKeyValue absent_on_null:s unique:s',
  JsonArrayAgg: 'constructor:JsonAggConstructor arg:JsonValueExpr absent_on_null:s',
  RawStmt: 'stmt:n stmt_location:s stmt_len:s',
  InsertStmt:
    'relation:RangeVar cols:N selectStmt:n onConflictClause:OnConflictClause returningClause:ReturningClause withClause:WithClause override:s',
  DeleteStmt:
    'relation:RangeVar usingClause:N whereClause:n returningClause:ReturningClause withClause:WithClause',
  UpdateStmt:
    'relation:RangeVar targetList:N whereClause:n fromClause:N returningClause:ReturningClause withClause:WithClause',
  MergeStmt:
    'relation:RangeVar sourceRelation:n joinCondition:n mergeWhenClauses:N returningClause:ReturningClause withClause:WithClause',
  SelectStmt:
    'distinctClause:N intoClause:IntoClause targetList:N fromClause:N whereClause:n groupClause:N groupDistinct:s havingClause:n windowClause:N valuesLists:N sortClause:N limitOffset:n limitCount:n limitOption:s lockingClause:N withClause:WithClause op:s all:s larg:SelectStmt rarg:SelectStmt',
  SetOperationStmt:
    'op:s all:s larg:n rarg:n colTypes:N colTypmods:N colCollations:N groupClauses:N',
  ReturnStmt: 'returnval:n',
  PLAssignStmt: 'name:s indirection:N nnames:s val:SelectStmt location:s',
  CreateSchemaStmt: 'schemaname:s authrole:RoleSpec schemaElts:N if_not_exists:s',
  AlterTableStmt: 'relation:RangeVar cmds:N objtype:s missing_ok:s',
  AlterTableCmd: 'subtype:s name:s num:s newowner:RoleSpec def:n behavior:s missing_ok:s recurse:s',
  ATAlterConstraint:
    'conname:s alterEnforceability:s is_enforced:s alterDeferrability:s deferrable:s initdeferred:s alterInheritability:s noinherit:s',
  ReplicaIdentityStmt: 'identity_type:s name:s',
  AlterCollationStmt: 'collname:N',
  AlterDomainStmt: 'subtype:s typeName:N name:s def:n behavior:s missing_ok:s',
  GrantStmt:
    'is_grant:s targtype:s objtype:s objects:N privileges:N grantees:N grant_option:s grantor:RoleSpec behavior:s',
  ObjectWithArgs: 'objname:N objargs:N objfuncargs:N args_unspecified:s',
  AccessPriv: 'priv_name:s cols:N',
  GrantRoleStmt: 'granted_roles:N grantee_roles:N is_grant:s opt:N grantor:RoleSpec behavior:s',
  AlterDefaultPrivilegesStmt: 'options:N action:GrantStmt',
  CopyStmt:
    'relation:RangeVar query:n attlist:N is_from:s is_program:s filename:s options:N whereClause:n',
  VariableSetStmt: 'kind:s name:s args:N jumble_args:s is_local:s location:s',
  VariableShowStmt: 'name:s',
  CreateStmt:
    'relation:RangeVar tableElts:N inhRelations:N partbound:PartitionBoundSpec partspec:PartitionSpec ofTypename:TypeName constraints:N nnconstraints:N options:N oncommit:s tablespacename:s accessMethod:s if_not_exists:s',
  Constraint:
    'contype:s conname:s deferrable:s initdeferred:s is_enforced:s skip_validation:s initially_valid:s is_no_inherit:s raw_expr:n cooked_expr:s generated_when:s generated_kind:s nulls_not_distinct:s keys:N without_overlaps:s including:N exclusions:N options:N indexname:s indexspace:s reset_default_tblspc:s access_method:s where_clause:n pktable:RangeVar fk_attrs:N pk_attrs:N fk_with_period:s pk_with_period:s fk_matchtype:s fk_upd_action:s fk_del_action:s fk_del_set_cols:N old_conpfeqop:N old_pktable_oid:s location:s',
  CreateTableSpaceStmt: 'tablespacename:s owner:RoleSpec location:s options:N',
  DropTableSpaceStmt: 'tablespacename:s missing_ok:s',
  AlterTableSpaceOptionsStmt: 'tablespacename:s options:N isReset:s',
  AlterTableMoveAllStmt: 'orig_tablespacename:s objtype:s roles:N new_tablespacename:s nowait:s',
  CreateExtensionStmt: 'extname:s if_not_exists:s options:N',
  AlterExtensionStmt: 'extname:s options:N',
  AlterExtensionContentsStmt: 'extname:s action:s objtype:s object:n',
  CreateFdwStmt: 'fdwname:s func_options:N options:N',
  AlterFdwStmt: 'fdwname:s func_options:N options:N',
  CreateForeignServerStmt:
    'servername:s servertype:s version:s fdwname:s if_not_exists:s options:N',
  AlterForeignServerStmt: 'servername:s version:s options:N has_version:s',
  CreateForeignTableStmt: 'base:CreateStmt servername:s options:N',
  CreateUserMappingStmt: 'user:RoleSpec servername:s if_not_exists:s options:N',
  AlterUserMappingStmt: 'user:RoleSpec servername:s options:N',
  DropUserMappingStmt: 'user:RoleSpec servername:s missing_ok:s',
  ImportForeignSchemaStmt:
    'server_name:s remote_schema:s local_schema:s list_type:s table_list:N options:N',
  CreatePolicyStmt:
    'policy_name:s table:RangeVar cmd_name:s permissive:s roles:N qual:n with_check:n',
  AlterPolicyStmt: 'policy_name:s table:RangeVar roles:N qual:n with_check:n',
  CreateAmStmt: 'amname:s handler_name:N amtype:s',
  CreateTrigStmt:
    'replace:s isconstraint:s trigname:s relation:RangeVar funcname:N args:N row:s timing:s events:s columns:N whenClause:n transitionRels:N deferrable:s initdeferred:s constrrel:RangeVar',
  CreateEventTrigStmt: 'trigname:s eventname:s whenclause:N funcname:N',
  AlterEventTrigStmt: 'trigname:s tgenabled:s',
  CreatePLangStmt: 'replace:s plname:s plhandler:N plinline:N plvalidator:N pltrusted:s',
  CreateRoleStmt: 'stmt_type:s role:s options:N',
  AlterRoleStmt: 'role:RoleSpec options:N action:s',
  AlterRoleSetStmt: 'role:RoleSpec database:s setstmt:VariableSetStmt',
  DropRoleStmt: 'roles:N missing_ok:s',
  CreateSeqStmt: 'sequence:RangeVar options:N ownerId:s for_identity:s if_not_exists:s',
  AlterSeqStmt: 'sequence:RangeVar options:N for_identity:s missing_ok:s',
  DefineStmt: 'kind:s oldstyle:s defnames:N args:N definition:N if_not_exists:s replace:s',
  CreateDomainStmt: 'domainname:N typeName:TypeName collClause:CollateClause constraints:N',
  CreateOpClassStmt: 'opclassname:N opfamilyname:N amname:s datatype:TypeName items:N isDefault:s',
  CreateOpClassItem:
    'itemtype:s name:ObjectWithArgs number:s order_family:N class_args:N storedtype:TypeName',
  CreateOpFamilyStmt: 'opfamilyname:N amname:s',
  AlterOpFamilyStmt: 'opfamilyname:N amname:s isDrop:s items:N',
  DropStmt: 'objects:N removeType:s behavior:s missing_ok:s concurrent:s',
  TruncateStmt: 'relations:N restart_seqs:s behavior:s',
  CommentStmt: 'objtype:s object:n comment:s',
  SecLabelStmt: 'objtype:s object:n provider:s label:s',
  DeclareCursorStmt: 'portalname:s options:s query:n',
  ClosePortalStmt: 'portalname:s',
  FetchStmt: 'direction:s howMany:s portalname:s ismove:s',
  IndexStmt:
    'idxname:s relation:RangeVar accessMethod:s tableSpace:s indexParams:N indexIncludingParams:N options:N whereClause:n excludeOpNames:N idxcomment:s indexOid:s oldNumber:s oldCreateSubid:s oldFirstRelfilelocatorSubid:s unique:s nulls_not_distinct:s primary:s isconstraint:s iswithoutoverlaps:s deferrable:s initdeferred:s transformed:s concurrent:s if_not_exists:s reset_default_tblspc:s',
  CreateStatsStmt:
    'defnames:N stat_types:N exprs:N relations:N stxcomment:s transformed:s if_not_exists:s',
  StatsElem: 'name:s expr:n',
  AlterStatsStmt: 'defnames:N stxstattarget:n missing_ok:s',
  CreateFunctionStmt:
    'is_procedure:s replace:s funcname:N parameters:N returnType:TypeName options:N sql_body:n',
  FunctionParameter: 'name:s argType:TypeName mode:s defexpr:n location:s',
  AlterFunctionStmt: 'objtype:s func:ObjectWithArgs actions:N',
  DoStmt: 'args:N',
  InlineCodeBlock: 'source_text:s langOid:s langIsTrusted:s atomic:s',
  CallStmt: 'funccall:FuncCall funcexpr:FuncExpr outargs:N',
  CallContext: 'atomic:s',
  RenameStmt:
    'renameType:s relationType:s relation:RangeVar object:n subname:s newname:s behavior:s missing_ok:s',
  AlterObjectDependsStmt: 'objectType:s relation:RangeVar object:n extname:String remove:s',
  AlterObjectSchemaStmt: 'objectType:s relation:RangeVar object:n newschema:s missing_ok:s',
  AlterOwnerStmt: 'objectType:s relation:RangeVar object:n newowner:RoleSpec',
  AlterOperatorStmt: 'opername:ObjectWithArgs options:N',
  AlterTypeStmt: 'typeName:N options:N',
  RuleStmt: 'relation:RangeVar rulename:s whereClause:n event:s instead:s actions:N replace:s',
  NotifyStmt: 'conditionname:s payload:s',
  ListenStmt: 'conditionname:s',
  UnlistenStmt: 'conditionname:s',
  TransactionStmt: 'kind:s options:N savepoint_name:s gid:s chain:s location:s',
  CompositeTypeStmt: 'typevar:RangeVar coldeflist:N',
  CreateEnumStmt: 'typeName:N vals:N',
  CreateRangeStmt: 'typeName:N params:N',
  AlterEnumStmt:
    'typeName:N oldVal:s newVal:s newValNeighbor:s newValIsAfter:s skipIfNewValExists:s',
  ViewStmt: 'view:RangeVar aliases:N query:n replace:s options:N withCheckOption:s',
  LoadStmt: 'filename:s',
  CreatedbStmt: 'dbname:s options:N',
  AlterDatabaseStmt: 'dbname:s options:N',
  AlterDatabaseRefreshCollStmt: 'dbname:s',
  AlterDatabaseSetStmt: 'dbname:s setstmt:VariableSetStmt',
  DropdbStmt: 'dbname:s missing_ok:s options:N',
  AlterSystemStmt: 'setstmt:VariableSetStmt',
  ClusterStmt: 'relation:RangeVar indexname:s params:N',
  VacuumStmt: 'options:N rels:N is_vacuumcmd:s',
  VacuumRelation: 'relation:RangeVar oid:s va_cols:N',
  ExplainStmt: 'query:n options:N',
  CreateTableAsStmt: 'query:n into:IntoClause objtype:s is_select_into:s if_not_exists:s',
  RefreshMatViewStmt: 'concurrent:s skipData:s relation:RangeVar',
  CheckPointStmt: '',
  DiscardStmt: 'target:s',
  LockStmt: 'relations:N mode:s nowait:s',
  ConstraintsSetStmt: 'constraints:N deferred:s',
  ReindexStmt: 'kind:s relation:RangeVar name:s params:N',
  CreateConversionStmt:
    'conversion_name:N for_encoding_name:s to_encoding_name:s func_name:N def:s',
  CreateCastStmt: 'sourcetype:TypeName targettype:TypeName func:ObjectWithArgs context:s inout:s',
  CreateTransformStmt:
    'replace:s type_name:TypeName lang:s fromsql:ObjectWithArgs tosql:ObjectWithArgs',
  PrepareStmt: 'name:s argtypes:N query:n',
  ExecuteStmt: 'name:s params:N',
  DeallocateStmt: 'name:s isall:s location:s',
  DropOwnedStmt: 'roles:N behavior:s',
  ReassignOwnedStmt: 'roles:N newrole:RoleSpec',
  AlterTSDictionaryStmt: 'dictname:N options:N',
  AlterTSConfigurationStmt:
    'kind:s cfgname:N tokentype:N dicts:N override:s replace:s missing_ok:s',
  PublicationTable: 'relation:RangeVar whereClause:n columns:N',
  PublicationObjSpec: 'pubobjtype:s name:s pubtable:PublicationTable location:s',
  CreatePublicationStmt: 'pubname:s options:N pubobjects:N for_all_tables:s',
  AlterPublicationStmt: 'pubname:s options:N pubobjects:N for_all_tables:s action:s',
  CreateSubscriptionStmt: 'subname:s conninfo:s publication:N options:N',
  AlterSubscriptionStmt: 'kind:s subname:s conninfo:s publication:N options:N',
  DropSubscriptionStmt: 'subname:s missing_ok:s behavior:s',
  ScanToken: 'start:s end:s token:s keywordKind:s',
  SummaryResult:
    'tables:Table[] aliases:s cteNames:s functions:Function[] filterColumns:FilterColumn[] statementTypes:s truncatedQuery:s',
  Table: 'name:s schemaName:s tableName:s context:s',
  Function: 'name:s functionName:s schemaName:s context:s',
  FilterColumn: 'schemaName:s tableName:s column:s',
};
